package dev.lbuvault.text;

import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * A stream for log lines: every {@code println} prints its text through {@link OneLine#escape}, so
 * a record stays one line whatever name or message it quotes. The daemon's logger writes each
 * record (and each line of a stack trace) with one {@code println}, which makes this the single
 * place where log output is escaped.
 */
public final class OneLinePrintStream extends PrintStream {
  public OneLinePrintStream(PrintStream target, Charset charset) {
    super(target, true, charset);
  }

  @Override
  public void println(String line) {
    super.println(OneLine.escape(line));
  }

  @Override
  public void println(Object line) {
    super.println(OneLine.escape(String.valueOf(line)));
  }
}
