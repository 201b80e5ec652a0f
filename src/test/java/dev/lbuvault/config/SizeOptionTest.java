package dev.lbuvault.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SizeOptionTest {
  @Test
  void binarySuffixesInEveryCommonSpelling() {
    assertThat(SizeOption.parse("512")).isEqualTo(512);
    assertThat(SizeOption.parse("64M")).isEqualTo(64L << 20);
    assertThat(SizeOption.parse("2g")).isEqualTo(2L << 30);
    assertThat(SizeOption.parse("2GiB")).isEqualTo(2L << 30);
    assertThat(SizeOption.parse("1 TB")).isEqualTo(1L << 40);
  }

  @Test
  void rejectsNonsenseAndOverflow() {
    assertThatThrownBy(() -> SizeOption.parse("big")).hasMessageContaining("invalid size \"big\"");
    assertThatThrownBy(() -> SizeOption.parse("-1G")).hasMessageContaining("invalid size");
    assertThatThrownBy(() -> SizeOption.parse("99999999999T")).hasMessageContaining("too large");
  }
}
