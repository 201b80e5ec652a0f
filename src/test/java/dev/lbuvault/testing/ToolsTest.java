package dev.lbuvault.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class ToolsTest {
  @Test
  void aToolOnThePathIsFoundByItsAbsolutePath() {
    assertThat(Tools.require("sh"))
        .isAbsolute()
        .satisfies(p -> assertThat(Files.isExecutable(p)).isTrue());
  }

  @Test
  void aMissingToolSkipsOnADeveloperMachineButFailsOnCi() {
    Class<? extends Throwable> expected =
        "true".equals(System.getenv("CI")) ? AssertionError.class : TestAbortedException.class;

    assertThatThrownBy(() -> Tools.require("lbuvault-no-such-tool"))
        .isInstanceOf(expected)
        .hasMessageContaining("lbuvault-no-such-tool");
  }
}
