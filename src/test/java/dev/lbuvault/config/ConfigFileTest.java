package dev.lbuvault.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
  private static final Set<String> KEYS = Set.of("repo", "backup.schedule", "settle");

  @Test
  void readsKeyValueLinesWithCommentsAndQuotes() {
    var values =
        ConfigFile.parse(
            "f",
            List.of(
                "# comment",
                "",
                "  repo = /mnt/array/lbuvault   # trailing comment",
                "backup.schedule=\"0 0 3 * * ?\"",
                "settle =10s"),
            KEYS);
    assertThat(values)
        .containsExactly(
            java.util.Map.entry("repo", "/mnt/array/lbuvault"),
            java.util.Map.entry("backup.schedule", "0 0 3 * * ?"),
            java.util.Map.entry("settle", "10s"));
  }

  @Test
  void unknownKeysDuplicatesAndGarbageAreErrorsNamingTheLine() {
    assertThatThrownBy(() -> ConfigFile.parse("f", List.of("repo = x", "setle = 5s"), KEYS))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("f line 2: unknown key \"setle\"");
    assertThatThrownBy(() -> ConfigFile.parse("f", List.of("repo = x", "repo = y"), KEYS))
        .hasMessageContaining("f line 2: repo is set twice");
    assertThatThrownBy(() -> ConfigFile.parse("f", List.of("just words"), KEYS))
        .hasMessageContaining("f line 1: expected \"key = value\"");
  }

  private static final java.util.Map<String, Set<String>> SECTIONS =
      java.util.Map.of("host", Set.of("source", "backup.schedule"), "replicate", Set.of("to"));

  @Test
  void sectionsCollectTheirOwnKeysAfterTheTopLevelOnes() {
    List<ConfigFile.Section> sections = new java.util.ArrayList<>();
    var top =
        ConfigFile.parse(
            "f",
            List.of(
                "repo = /srv/r",
                "",
                "[host rpi]   # the Pi in the hall",
                "source = /media/mmcblk0p1",
                "[host pi2]",
                "source = ssh://root@pi2/media/mmcblk0p1",
                "backup.schedule = \"0 30 3 * * ?\"",
                "[ replicate usb ]",
                "to = /mnt/usb/lbuvault"),
            KEYS,
            SECTIONS,
            sections);
    assertThat(top).containsExactly(java.util.Map.entry("repo", "/srv/r"));
    assertThat(sections)
        .extracting(ConfigFile.Section::kind, ConfigFile.Section::name)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("host", "rpi"),
            org.assertj.core.groups.Tuple.tuple("host", "pi2"),
            org.assertj.core.groups.Tuple.tuple("replicate", "usb"));
    assertThat(sections.get(1).values())
        .containsExactly(
            java.util.Map.entry("source", "ssh://root@pi2/media/mmcblk0p1"),
            java.util.Map.entry("backup.schedule", "0 30 3 * * ?"));
    assertThat(sections.get(1).where()).isEqualTo("f line 5");
  }

  @Test
  void badSectionsAreErrorsNamingTheLine() {
    assertThatThrownBy(() -> parse("[host rpi]", "settle = 5s"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("f line 2: unknown key \"settle\" in [host rpi]");
    assertThatThrownBy(() -> parse("[disk usb]"))
        .hasMessageContaining("f line 1: unknown section kind \"disk\"");
    assertThatThrownBy(() -> parse("[host rpi]", "source = a", "[host rpi]"))
        .hasMessageContaining("f line 3: [host rpi] appears twice");
    assertThatThrownBy(() -> parse("[host]"))
        .hasMessageContaining("f line 1: expected a section header such as [host pi2]");
    assertThatThrownBy(() -> parse("[host rpi]", "source = a", "source = b"))
        .hasMessageContaining("f line 3: source is set twice");
    // A file read without sections (the old form) refuses a header instead of ignoring it.
    assertThatThrownBy(() -> ConfigFile.parse("f", List.of("[host rpi]"), KEYS))
        .hasMessageContaining("this file takes no sections");
  }

  private static void parse(String... lines) {
    ConfigFile.parse("f", List.of(lines), KEYS, SECTIONS, new java.util.ArrayList<>());
  }

  @Test
  void aMissingDefaultFileIsEmptyButAMissingNamedFileIsAnError(@TempDir Path tmp) throws Exception {
    Path missing = tmp.resolve("none.conf");
    assertThat(ConfigFile.read(missing, false, KEYS).values()).isEmpty();
    assertThatThrownBy(() -> ConfigFile.read(missing, true, KEYS))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config file " + missing + " does not exist");
    Files.writeString(tmp.resolve("ok.conf"), "settle = 3s\n");
    assertThat(ConfigFile.read(tmp.resolve("ok.conf"), true, KEYS).get("settle")).contains("3s");
  }

  @Test
  void aConfigWritableByGroupOrOthersIsRefusedWithTheChmod(@TempDir Path tmp) throws Exception {
    Path conf = tmp.resolve("lbuvault.conf");
    Files.writeString(conf, "repo = /srv/r\n");
    for (String mode : new String[] {"rw-rw----", "rw-r---w-", "rwxrwxrwx"}) {
      Files.setPosixFilePermissions(
          conf, java.nio.file.attribute.PosixFilePermissions.fromString(mode));
      assertThatThrownBy(() -> ConfigFile.read(conf, true, KEYS))
          .as(mode)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(conf.toString())
          .hasMessageContaining("writable by group or others")
          .hasMessageEndingWith("chmod go-w " + conf);
    }
    Files.setPosixFilePermissions(
        conf, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(ConfigFile.read(conf, true, KEYS).values()).containsEntry("repo", "/srv/r");
  }

  @Test
  void aConfigOwnedByAnotherUserIsRefusedUnlessItIsRoot(@TempDir Path tmp) throws Exception {
    dev.lbuvault.testing.Tools.requireRoot();
    Path conf = tmp.resolve("lbuvault.conf");
    Files.writeString(conf, "repo = /srv/r\n");
    var lookup = conf.getFileSystem().getUserPrincipalLookupService();
    Files.setOwner(conf, lookup.lookupPrincipalByName("nobody"));
    assertThatThrownBy(() -> ConfigFile.read(conf, true, KEYS))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("is owned by nobody")
        .hasMessageContaining("chown root " + conf);
    Files.setOwner(conf, lookup.lookupPrincipalByName("root"));
    assertThat(ConfigFile.read(conf, true, KEYS).values()).containsEntry("repo", "/srv/r");
  }
}
