package dev.lbuvault.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbuvault.cli.Main;
import dev.lbuvault.config.ConfigException;
import dev.lbuvault.config.ConfigFile;
import dev.lbuvault.retention.RetentionPolicy;
import dev.lbuvault.testing.Cli;
import dev.lbuvault.testing.Cli.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DaemonSettingsTest {
  @TempDir Path tmp;

  private Map<String, String> minimal() {
    Map<String, String> m = new HashMap<>();
    m.put("repo", tmp.resolve("repo").toString());
    m.put("source", tmp.resolve("card").toString());
    return m;
  }

  @Test
  void defaultsMatchTheSpecification() throws Exception {
    DaemonSettings s = DaemonSettings.parse(minimal());
    assertThat(s.backupSchedule()).contains("0 0 3 * * ?");
    assertThat(s.verifySchedule()).contains("0 0 4 ? * SUN");
    assertThat(s.settle()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.rescan()).isEqualTo(Duration.ofMinutes(15));
    assertThat(s.lockWait()).isEqualTo(Duration.ofMinutes(10));
    assertThat(s.retention().isEmpty()).isTrue();
    assertThat(s.listen().orElseThrow().getPort()).isEqualTo(DaemonSettings.DEFAULT_PORT);
    assertThat(s.listen().orElseThrow().getAddress().isLoopbackAddress()).isTrue();
    assertThat(s.textfileDir()).isEmpty();
    assertThat(s.logLevel()).isEqualTo("info");
  }

  @Test
  void theSourceDefaultsToLbusOwnConfiguration() throws Exception {
    Path lbu = tmp.resolve("lbu.conf");
    Files.writeString(lbu, "LBU_MEDIA=mmcblk0p1\n");
    Map<String, String> m = minimal();
    m.remove("source");
    m.put("lbu.conf", lbu.toString());
    assertThat(DaemonSettings.parse(m).source()).isEqualTo(Path.of("/media/mmcblk0p1"));
    Files.writeString(lbu, "# nothing\n");
    assertThatThrownBy(() -> DaemonSettings.parse(m))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("source: not set");
  }

  private DaemonSettings parseFile(String... lines) throws Exception {
    Path conf = tmp.resolve("sections.conf");
    Files.write(conf, java.util.List.of(lines));
    ConfigFile file =
        ConfigFile.read(conf, true, DaemonSettings.keyNames(), DaemonSettings.SECTION_KEYS);
    return DaemonSettings.parse(file.values(), file.sections());
  }

  @Test
  void hostSectionsAreSourcesInFileOrderAndInheritTheTopLevelSchedule() throws Exception {
    DaemonSettings s =
        parseFile(
            "repo = " + tmp.resolve("repo"),
            "backup.schedule = 0 15 2 * * ?",
            "[host rpi]",
            "source = /media/mmcblk0p1",
            "[host pi2]",
            "source = /mnt/pi2-card",
            "backup.schedule = off",
            "[replicate usb]",
            "to = /mnt/usb/lbuvault",
            "[replicate offsite]",
            "to = /mnt/nfs/lbuvault",
            "schedule = 0 0 6 ? * SAT");
    assertThat(s.sources())
        .containsExactly(
            new SourceSettings(
                Optional.of("rpi"),
                "/media/mmcblk0p1",
                Optional.of("0 15 2 * * ?"),
                Optional.empty()),
            new SourceSettings(
                Optional.of("pi2"), "/mnt/pi2-card", Optional.empty(), Optional.empty()));
    assertThat(s.sources().get(0).remote()).isFalse();
    assertThat(s.replicas())
        .containsExactly(
            new ReplicaSettings("usb", "/mnt/usb/lbuvault", "0 0 5 * * ?"),
            new ReplicaSettings("offsite", "/mnt/nfs/lbuvault", "0 0 6 ? * SAT"));
  }

  @Test
  void theSingleSourceFormIsOneSourceAndTakesReplicateSectionsToo() throws Exception {
    DaemonSettings s =
        parseFile(
            "repo = " + tmp.resolve("repo"),
            "source = /media/mmcblk0p1",
            "host = rpi",
            "[replicate usb]",
            "to = /mnt/usb/lbuvault");
    assertThat(s.sources())
        .containsExactly(
            new SourceSettings(
                Optional.of("rpi"),
                "/media/mmcblk0p1",
                Optional.of("0 0 3 * * ?"),
                Optional.empty()));
    assertThat(s.source()).isEqualTo(Path.of("/media/mmcblk0p1"));
    assertThat(s.replicas()).extracting(ReplicaSettings::name).containsExactly("usb");
  }

  @Test
  void anSshTargetTakesItsSectionsKeyAndOptionsElseTheTopLevelOnes() throws Exception {
    Path top = Files.writeString(tmp.resolve("top_ed25519"), "key\n");
    Path own = Files.writeString(tmp.resolve("own_ed25519"), "key\n");
    DaemonSettings s =
        parseFile(
            "repo = " + tmp.resolve("repo"),
            "source = /media/mmcblk0p1",
            "ssh.identity = " + top,
            "ssh.options = Port=2222 ConnectTimeout=5",
            "[replicate friend]",
            "to = ssh://root@friend-pi:2200/mnt/array/replica/rpi",
            "ssh.identity = " + own,
            "[replicate nas]",
            "to = ssh://nas/srv/replica",
            "ssh.options =",
            "[replicate usb]",
            "to = /mnt/usb/lbuvault");
    var friend = s.replicas().get(0).ssh().orElseThrow();
    assertThat(friend.url().toString())
        .isEqualTo("ssh://root@friend-pi:2200/mnt/array/replica/rpi");
    assertThat(friend.identity()).contains(own);
    assertThat(friend.options()).containsExactly("Port=2222", "ConnectTimeout=5");
    var nas = s.replicas().get(1).ssh().orElseThrow();
    assertThat(nas.identity()).contains(top);
    assertThat(nas.options()).isEmpty(); // set empty in the section: none, not the top-level ones
    assertThat(s.replicas().get(2).ssh()).isEmpty();
    assertThat(s.replicas())
        .extracting(ReplicaSettings::name)
        .containsExactly("friend", "nas", "usb");
  }

  @Test
  void aReplicateSectionsKeepRulesAreItsTargetsAloneNotTheRepositorys() throws Exception {
    DaemonSettings s =
        parseFile(
            "repo = " + tmp.resolve("repo"),
            "source = /media/mmcblk0p1",
            "keep.last = 30",
            "[replicate usb]",
            "to = /mnt/usb/lbuvault",
            "keep.daily = 7",
            "keep.within = 36h",
            "[replicate friend]",
            "to = ssh://friend-pi/mnt/array/replica/rpi",
            "keep.monthly = 12",
            "[replicate nas]",
            "to = /mnt/nas/lbuvault");
    assertThat(s.retention()).isEqualTo(new RetentionPolicy(30, 0, 0, 0, 0, Duration.ZERO));
    assertThat(s.replicas())
        .extracting(ReplicaSettings::keep)
        .containsExactly(
            new RetentionPolicy(0, 7, 0, 0, 0, Duration.ofHours(36)),
            new RetentionPolicy(0, 0, 0, 12, 0, Duration.ZERO),
            RetentionPolicy.none());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "[replicate usb];to = /b;keep.last = -1 | [replicate usb] keep.last = \"-1\": not a whole number >= 0",
        "[replicate usb];to = /b;keep.within = soon | [replicate usb] keep.within = \"soon\"",
        "[replicate friend];to = ssh://friend-pi/mnt/r;keep.last = 1000000 | [replicate friend] keep.last 1000000 is more than an ssh:// target takes (999999)",
      })
  void aBadKeepRuleInAReplicateSectionNamesTheSection(String lines, String message)
      throws Exception {
    String[] all = ("repo = " + tmp.resolve("repo") + ";source = /a;" + lines).split(";");
    assertThatThrownBy(() -> parseFile(all))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "[replicate friend];to = ssh://friend-pi | [replicate friend] to = \"ssh://friend-pi\": \"ssh://friend-pi\" names no path",
        "[replicate friend];to = ssh://friend-pi:99999/mnt/r | [replicate friend] to = \"ssh://friend-pi:99999/mnt/r\": ssh port must be 1-65535",
        "[replicate friend];to = ssh://friend-pi/mnt/../etc | [replicate friend] to = \"ssh://friend-pi/mnt/../etc\": the far side's path \"/mnt/../etc\" must not hold empty",
        "[replicate friend];to = ssh://friend-pi/mnt/r;ssh.identity = /nonexistent/id_ed25519 | [replicate friend] ssh.identity = \"/nonexistent/id_ed25519\": not a readable file",
        "[replicate friend];to = ssh://friend-pi/mnt/r;ssh.options = BatchMode=no | [replicate friend] to = \"ssh://friend-pi/mnt/r\": ssh option BatchMode=no cannot be changed",
        "ssh.options = ProxyCommand;[replicate friend];to = ssh://friend-pi/mnt/r | [replicate friend] to = \"ssh://friend-pi/mnt/r\": ssh option \"ProxyCommand\" must look like Name=value",
        "[replicate usb];to = /mnt/usb;ssh.identity = /etc/lbuvault/id_ed25519 | [replicate usb] ssh.identity = \"/etc/lbuvault/id_ed25519\": applies only to a to = ssh://... target",
      })
  void aBadSshTargetNamesItsSectionAndWhatIsWrong(String lines, String message) throws Exception {
    String[] all = ("repo = " + tmp.resolve("repo") + ";source = /a;" + lines).split(";");
    assertThatThrownBy(() -> parseFile(all))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }

  @Test
  void theCommandLineExitsWith2AndOneLineNamingTheSectionOfABadSshTarget() throws Exception {
    Path conf = tmp.resolve("lbuvault.conf");
    Files.writeString(
        conf,
        "repo = "
            + tmp
            + "\nsource = "
            + tmp
            + "\n[replicate friend]\nto = ssh://root@friend-pi/mnt/r\nssh.identity = "
            + tmp.resolve("missing_ed25519")
            + "\n");
    Result r = Cli.run("daemon", "--config", conf.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err())
        .startsWith(
            "lbuvault: [replicate friend] ssh.identity = \"" + tmp.resolve("missing_ed25519"))
        .contains("not a readable file")
        .hasLineCount(1);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "source = /media/x;[host rpi];source = /a | source is set at the top of the file (or as a flag), but the file has [host NAME] sections",
        "[host rpi];backup.schedule = off | line 2: [host rpi] has no source = DIR (or ssh://...): add one",
        "[host -x];source = /a | expected a section header",
        "[host rpi];source = /a;status.root = /;[host pi2];source = /b;status.root = / | status.root is set in more than one [host NAME] section",
        "[host rpi];source = /a;backup.schedule = 0 0 25 * * ? | [host rpi] backup.schedule = \"0 0 25 * * ?\": not a valid Quartz cron expression",
        "[host rpi];source = /a;[replicate usb];schedule = 0 0 5 * * ? | [replicate usb] has no to = DIR",
        "[host rpi];source = /a;[replicate usb];to = /b;schedule = daily | [replicate usb] schedule = \"daily\": not a valid Quartz cron expression",
        "[host rpi];source = /a;[replicate usb];to = /b;schedule = off | schedule = off: remove the section",
        "[host pi2];source = ssh://root@pi2:99999/media/mmcblk0p1 | source = ssh://root@pi2:99999/media/mmcblk0p1 ([host pi2]): ",
        "ssh.options = ProxyCommand;[host pi2];source = ssh://root@pi2/media/mmcblk0p1 | source = ssh://root@pi2/media/mmcblk0p1 ([host pi2]): ",
        "ssh.identity = /nonexistent/id_ed25519;[host pi2];source = ssh://root@pi2/media/mmcblk0p1 | ssh.identity",
      })
  void badSectionsNameTheSectionAndWhatToDo(String lines, String message) throws Exception {
    String[] all = ("repo = " + tmp.resolve("repo") + ";" + lines).split(";");
    assertThatThrownBy(() -> parseFile(all))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }

  @Test
  void offSwitchesSchedulesAndTheListenerOff() throws Exception {
    Map<String, String> m = minimal();
    m.put("backup.schedule", "off");
    m.put("verify.schedule", "off");
    m.put("listen", "off");
    DaemonSettings s = DaemonSettings.parse(m);
    assertThat(s.backupSchedule()).isEmpty();
    assertThat(s.verifySchedule()).isEmpty();
    assertThat(s.listen()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "backup.schedule | 0 0 25 * * ?  | backup.schedule = \"0 0 25 * * ?\": not a valid Quartz cron expression (",
        "verify.schedule | every sunday  | verify.schedule = \"every sunday\": not a valid Quartz cron expression (",
        "backup.schedule | 0 0 3 1 1 ? 2001 | never fires again",
        "settle          | 10 seconds    | settle = \"10 seconds\": not a duration",
        "settle          | 0s            | settle = \"0s\": out of range; allowed: a duration such as 30s, 5m, 1h, from 1s to 1h",
        "rescan          | 2d            | rescan = \"2d\": out of range",
        "keep.daily      | -1            | keep.daily = \"-1\": not a whole number >= 0",
        "keep.within     | 7 days        | keep.within = \"7 days\":",
        "listen          | localhost     | listen = \"localhost\": use HOST:PORT",
        "listen          | 127.0.0.1:70000 | port must be 0-65535",
        "log.level       | verbose       | log.level = \"verbose\": use error, warn, info or debug",
        "host            | -bad          | host = \"-bad\":",
        "textfile.dir    | /no/such/dir  | textfile.dir = \"/no/such/dir\": no such directory",
      })
  void badValuesNameTheKeyTheValueAndWhatIsAllowed(String key, String value, String message) {
    Map<String, String> m = minimal();
    m.put(key, value);
    assertThatThrownBy(() -> DaemonSettings.parse(m))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }

  @Test
  void theCommandLineExitsWith2AndOneLineForABadValueInTheFile() throws Exception {
    Path conf = tmp.resolve("lbuvault.conf");
    Files.writeString(
        conf, "repo = " + tmp + "\nsource = " + tmp + "\nbackup.schedule = 0 0 25 * * ?\n");
    Result r = Cli.run("daemon", "--config", conf.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err())
        .startsWith(
            "lbuvault: backup.schedule = \"0 0 25 * * ?\": not a valid Quartz cron expression (")
        .hasLineCount(1);
  }

  @Test
  void flagsOverrideTheFileAndUnknownKeysOrAMissingNamedFileAreErrors() throws Exception {
    Path conf = tmp.resolve("lbuvault.conf");
    Files.writeString(conf, "repo = " + tmp + "\nsource = " + tmp + "\nsettle = nonsense\n");
    Result overridden =
        Cli.run("daemon", "--config", conf.toString(), "--settle", "5s", "--rescan", "never");
    assertThat(overridden.exitCode()).isEqualTo(2);
    // --settle fixed the file's bad settle, so the first complaint is the flag's rescan:
    assertThat(overridden.err()).contains("rescan = \"never\"").doesNotContain("settle");

    Files.writeString(conf, "repo = " + tmp + "\nschedule = 0 0 3 * * ?\n");
    Result unknown = Cli.run("daemon", "--config", conf.toString());
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("line 2: unknown key \"schedule\"");

    Result missing = Cli.run("daemon", "--config", tmp.resolve("nope.conf").toString());
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).contains("nope.conf does not exist");
  }

  @Test
  void everyKeyHasAFlagADocumentedDefaultAndALineInTheExampleFile() throws Exception {
    var daemon = Main.commandLine().getSubcommands().get("daemon").getCommandSpec();
    String docs = Files.readString(Path.of("docs/config.md"));
    String example = Files.readString(Path.of("scripts/lbuvault.conf.example"));
    for (DaemonSettings.Key k : DaemonSettings.KEYS) {
      assertThat(daemon.findOption(k.flag())).as("flag " + k.flag()).isNotNull();
      assertThat(docs)
          .as("docs/config.md row of " + k.name())
          .contains("| `" + k.name() + "` | `" + k.flag() + "` |");
      if (!k.defaultValue().isEmpty()) {
        assertThat(docs).as("default of " + k.name()).contains("`" + k.defaultValue() + "`");
      }
      assertThat(example)
          .as("example line of " + k.name())
          .containsPattern("(?m)^#?" + java.util.regex.Pattern.quote(k.name()) + " = ");
    }
    // and the example file, uncommented, is a valid configuration
    Map<String, String> parsed =
        dev.lbuvault.config.ConfigFile.parse(
            "example",
            example.lines().map(l -> l.replaceFirst("^#(\\w[\\w.]* = )", "$1")).toList(),
            DaemonSettings.keyNames());
    parsed.put("textfile.dir", tmp.toString());
    parsed.put("password.file", ""); // the example's file does not exist here
    parsed.put("ssh.identity", ""); // nor its ssh key
    assertThat(DaemonSettings.parse(parsed).backupSchedule()).contains("0 0 3 * * ?");

    // its several-hosts block ("#  " lines), uncommented after the top-level keys, is valid too
    List<String> fleet = new java.util.ArrayList<>(List.of("repo = " + tmp));
    example.lines().filter(l -> l.startsWith("#  ")).map(l -> l.substring(3)).forEach(fleet::add);
    DaemonSettings several = parseFile(fleet.toArray(String[]::new));
    assertThat(several.sources()).extracting(s -> s.host().orElseThrow()).hasSize(2);
  }
}
