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
  void flagsWinOverEverything() throws Exception {
    VolumeIdentity id =
        resolver.resolve(
            Optional.of("DEAD-BEEF"),
            Optional.of("boot"),
            Optional.of(new CardVolumeRecord("/dev/mmcblk0p1", "1111-2222", "OLD")),
            FSTAB);
    assertThat(id.volumeIdText()).isEqualTo("DEAD-BEEF");
    assertThat(id.label()).as("the case given is kept").isEqualTo("boot");
    assertThat(id.idSource()).isEqualTo("--volume-id");
  }

  @Test
  void theRecordedVolumeWinsOverFstab() throws Exception {
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
  void fstabsUuidLineForTheMediaMountIsUsedWhenNothingWasRecorded() throws Exception {
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

  @Test
  void fstabOctalEscapesAreDecodedAsTheMountReadersDo() throws Exception {
    assertThat(VolumeIdentityResolver.unescape("a\\040b\\011c\\012d\\134e"))
        .isEqualTo("a b\tc\nd\\e");
    assertThat(VolumeIdentityResolver.unescape("x\\041\\9\\04\\")).isEqualTo("x!\\9\\04\\");

    VolumeIdentity id = fromFstab("LABEL=MY\\040CARD /media/mmcblk0p1 vfat noauto,ro 0 0");

    assertThat(id.label()).isEqualTo("MY CARD");
    assertThat(id.labelSource()).contains("etc/fstab").contains("LABEL=MY\\040CARD");
  }

  @Test
  void anFstabLabelKeepsItsCaseBecauseMountMatchesLabelsCaseSensitively() throws Exception {
    assertThat(fromFstab("LABEL=piboot /media/mmcblk0p1 vfat noauto,ro 0 0").label())
        .isEqualTo("piboot");
    assertThat(fromFstab("LABEL=Pi\\040Boot /media/mmcblk0p1 auto noauto 0 0").label())
        .isEqualTo("Pi Boot");
  }

  @Test
  void anFstabLabelFatCannotHoldIsRefusedNamingFstabAndSuggestingLabel() {
    for (String spec :
        List.of(
            "LABEL=alpine-boot-card",
            "LABEL=a.b",
            "LABEL=caf\u00e9",
            "LABEL=two\\012lines",
            "LABEL=tab\\011x",
            "LABEL=back\\134slash")) {
      assertThatThrownBy(() -> fromFstab(spec + " /media/mmcblk0p1 vfat noauto,ro 0 0"))
          .as(spec)
          .isInstanceOf(RecoverRefusedException.class)
          .hasMessageStartingWith("etc/fstab in the apkovl names the card " + spec + " ")
          .hasMessageContaining("--label NAME")
          .hasMessageNotContaining("\n")
          .hasMessageNotContaining("\t");
    }
  }

  @Test
  void anUnholdableFstabLabelDoesNotMatterWhenTheLabelIsGivenOrRecorded() throws Exception {
    List<String> fstab = List.of("LABEL=alpine-boot-card /media/mmcblk0p1 vfat noauto,ro 0 0");

    VolumeIdentity given =
        resolver.resolve(Optional.empty(), Optional.of("ALPINE"), Optional.empty(), fstab);

    assertThat(given.label()).isEqualTo("ALPINE");
    assertThat(given.labelSource()).isEqualTo("--label");
  }

  private VolumeIdentity fromFstab(String line) throws RecoverRefusedException {
    return resolver.resolve(Optional.empty(), Optional.empty(), Optional.empty(), List.of(line));
  }
}
