package dev.lbuvault.recover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.repo.CardVolumeRecord;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VolumeIdentityResolverTest {
  private final VolumeIdentityResolver resolver = new VolumeIdentityResolver(new SecureRandom());
  private static final List<String> FSTAB =
      List.of(
          "/dev/cdrom /media/cdrom iso9660 noauto,ro 0 0",
          "UUID=1a2b-3c4d /media/mmcblk0p1 vfat noauto,ro 0 0");

  @Test
  void flagsWinOverEverything() {
    VolumeIdentity id =
        resolver.resolve(
            Optional.of("DEAD-BEEF"),
            Optional.of("boot"),
            Optional.of(new CardVolumeRecord("/dev/mmcblk0p1", "1111-2222", "OLD")),
            FSTAB);
    assertThat(id.volumeIdText()).isEqualTo("DEAD-BEEF");
    assertThat(id.label()).isEqualTo("BOOT");
    assertThat(id.idSource()).isEqualTo("--volume-id");
  }

  @Test
  void theRecordedVolumeWinsOverFstab() {
    VolumeIdentity id =
        resolver.resolve(
            Optional.empty(),
            Optional.empty(),
            Optional.of(new CardVolumeRecord("/dev/mmcblk0p1", "1111-2222", "OLD")),
            FSTAB);
    assertThat(id.volumeIdText()).isEqualTo("1111-2222");
    assertThat(id.label()).isEqualTo("OLD");
    assertThat(id.idSource()).contains("/dev/mmcblk0p1");
  }

  @Test
  void fstabsUuidLineForTheMediaMountIsUsedWhenNothingWasRecorded() {
    VolumeIdentity id =
        resolver.resolve(Optional.empty(), Optional.empty(), Optional.empty(), FSTAB);
    assertThat(id.volumeIdText()).isEqualTo("1A2B-3C4D");
    assertThat(id.label()).isEqualTo("PIBOOT");
    assertThat(id.idSource()).contains("etc/fstab").contains("/media/mmcblk0p1");
    VolumeIdentity byLabel =
        resolver.resolve(
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            List.of("LABEL=ALPINE /media/sda1 vfat noauto 0 0"));
    assertThat(byLabel.label()).isEqualTo("ALPINE");
    assertThat(byLabel.idSource()).startsWith("random");
  }

  @Test
  void badFlagsAreRejectedNamingTheValue() {
    assertThatThrownBy(() -> VolumeIdentity.parseVolumeId("1A2B3C4D"))
        .hasMessageContaining("\"1A2B3C4D\"");
    assertThatThrownBy(() -> VolumeIdentity.normalizeLabel("way too long label"))
        .hasMessageContaining("1 to 11");
    assertThatThrownBy(() -> VolumeIdentity.normalizeLabel("a/b")).hasMessageContaining("\"a/b\"");
  }
}
