package dev.lbuvault.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class ByteSizesTest {

  @Test
  void smallSizesAreWholeBytesAndLargerOnesHaveOneDecimal() {
    assertThat(ByteSizes.human(0)).isEqualTo("0 B");
    assertThat(ByteSizes.human(1023)).isEqualTo("1023 B");
    assertThat(ByteSizes.human(1024)).isEqualTo("1.0 KiB");
    assertThat(ByteSizes.human(1536)).isEqualTo("1.5 KiB");
    assertThat(ByteSizes.human(524_454_002)).isEqualTo("500.2 MiB");
    assertThat(ByteSizes.human(Long.MAX_VALUE)).isEqualTo("8388608.0 TiB");
  }

  @Property(tries = 5000)
  void everySizeReadsAsPrintfsOneDecimalWould(@ForAll @LongRange(min = 1024) long n) {
    double v = n;
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    assertThat(ByteSizes.human(n)).isEqualTo(String.format(Locale.ROOT, "%.1f %s", v, units[i]));
  }

  @Property(tries = 2000)
  void sizesNearARoundingBoundaryReadAsPrintfsWould(
      @ForAll @LongRange(min = 1, max = 10_000) long tenths,
      @ForAll @LongRange(min = -3, max = 3) long nudge) {
    // n / 1024 lands next to x.x5, where half-up and binary rounding could disagree.
    long n = Math.max(1024, Math.round((tenths + 0.05) / 10 * 1024) + nudge);
    double v = n / 1024.0;
    String unit = "KiB";
    if (v >= 1024) {
      v /= 1024;
      unit = "MiB";
    }
    assertThat(ByteSizes.human(n)).isEqualTo(String.format(Locale.ROOT, "%.1f %s", v, unit));
  }
}
