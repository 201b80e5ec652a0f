package dev.lbuvault.uncommitted;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Protected paths as apk-tools 2.14 resolves them ({@code add_protected_path}, {@code
 * apk_db_dir_get}, {@code determine_file_protect_mode}), on lists read from a real directory.
 */
class ProtectedPathsTest {
  @TempDir Path root;

  private ProtectedPaths load(String name, String content) throws Exception {
    Path dir = Files.createDirectories(root.resolve(ProtectedPaths.LIST_DIR));
    Files.writeString(dir.resolve(name), content);
    return ProtectedPaths.load(root);
  }

  private static ProtectMode file(ProtectedPaths p, String path) {
    int slash = path.lastIndexOf('/');
    return ProtectedPaths.file(p.dir(path.substring(0, slash)), path.substring(slash + 1));
  }

  @Test
  void apksDefaultsProtectEtcSymlinksOnlyInInitDAndEverythingInEtcApk() throws Exception {
    ProtectedPaths p = ProtectedPaths.load(root);

    assertThat(file(p, "etc/hosts")).isEqualTo(ProtectMode.CHANGED);
    assertThat(file(p, "etc/init.d/sshd")).isEqualTo(ProtectMode.SYMLINKS_ONLY);
    assertThat(file(p, "etc/apk/world")).isEqualTo(ProtectMode.ALL);
    assertThat(file(p, "etc/apk/keys/x.pub")).isEqualTo(ProtectMode.ALL);
    assertThat(file(p, "usr/bin/env")).isEqualTo(ProtectMode.NONE);
    assertThat(p.dir("usr").hasProtectedChildren()).isFalse();
    assertThat(ProtectedPaths.file(p.root(), "topfile")).isEqualTo(ProtectMode.NONE);
  }

  @Test
  void laterLinesWinSlashesAreTrimmedAndALineWithoutPrefixProtects() throws Exception {
    ProtectedPaths p =
        load(
            "lbu.list",
            "# comment\n\n+/srv/www/\n-srv/www/cache\nopt/app\n+etc/ssh\n-etc/ssh/moduli\n");

    assertThat(file(p, "srv/www/index.html")).isEqualTo(ProtectMode.CHANGED);
    assertThat(file(p, "srv/www/cache/page")).isEqualTo(ProtectMode.IGNORE);
    assertThat(file(p, "opt/app/run.sh")).isEqualTo(ProtectMode.CHANGED);
    assertThat(file(p, "etc/ssh/sshd_config")).isEqualTo(ProtectMode.CHANGED);
    assertThat(file(p, "etc/ssh/moduli")).isEqualTo(ProtectMode.IGNORE);
    assertThat(p.dir("srv").hasProtectedChildren()).isTrue();
    assertThat(p.dir("srv").mode()).isEqualTo(ProtectMode.NONE);
  }

  @Test
  void globsMatchOneComponentAtEachLevel() throws Exception {
    ProtectedPaths p = load("site.list", "+var/lib/*/state\n!home/*/.ssh\n");

    assertThat(file(p, "var/lib/app/state")).isEqualTo(ProtectMode.CHANGED);
    assertThat(file(p, "var/lib/app/other")).isEqualTo(ProtectMode.NONE);
    assertThat(file(p, "var/lib/a/b/state")).isEqualTo(ProtectMode.NONE);
    assertThat(file(p, "home/alice/.ssh/authorized_keys")).isEqualTo(ProtectMode.ALL);
    assertThat(file(p, "home/alice/notes")).isEqualTo(ProtectMode.NONE);
  }

  @Test
  void onlyDotListFilesAreReadInNameOrder() throws Exception {
    load("a.list", "+data\n");
    load("b.list", "-data\n");
    ProtectedPaths p = load("c.txt", "+data\n");

    assertThat(file(p, "data/x")).isEqualTo(ProtectMode.IGNORE);
  }
}
