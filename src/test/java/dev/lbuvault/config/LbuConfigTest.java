package dev.lbuvault.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LbuConfigTest {
  @Test
  void theMediaVariableNamesTheCardUnderMedia() {
    LbuConfig c = LbuConfig.parse(List.of("# lbu config", "LBU_MEDIA=mmcblk0p1", "BACKUP_LIMIT=3"));
    assertThat(c.sourceDir()).contains(Path.of("/media/mmcblk0p1"));
  }

  @Test
  void aBackupDirWinsOverMediaAsInLbu() {
    LbuConfig c =
        LbuConfig.parse(List.of("LBU_MEDIA=\"mmcblk0p1\"", "export LBU_BACKUPDIR='/srv/lbu'"));
    assertThat(c.sourceDir()).contains(Path.of("/srv/lbu"));
  }

  @Test
  void commentedOutOrEmptyAssignmentsDoNotCount() {
    LbuConfig c =
        LbuConfig.parse(List.of("#LBU_MEDIA=usb", "LBU_MEDIA=", "ENCRYPTION=aes-256-cbc"));
    assertThat(c.sourceDir()).isEmpty();
  }

  @Test
  void aMissingFileMeansNoDefault(@TempDir Path dir) throws IOException {
    assertThat(LbuConfig.read(dir.resolve("lbu.conf")).sourceDir()).isEqualTo(Optional.empty());
  }
}
