package dev.lbuvault.cli;

import dev.lbuvault.daemon.DaemonSettings;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.Charset;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The jar's entry point. Every command but {@code daemon} goes straight to {@link Main}. The daemon
 * runs for months, and picocli's classes (about 200 with this package's command classes) would stay
 * loaded all that time although only the option parsing used them: so the daemon's command line is
 * parsed by {@link Main#parseDaemon} in a {@link ParserLoader} of its own. With the settings handed
 * over, that loader is dropped and one full collection unloads its classes before {@link DaemonRun}
 * runs (docs/monitoring.md, "Footprint", has what it saves).
 */
public final class Start {
  private static final String MAIN = "dev.lbuvault.cli.Main";
  // Named, not referenced: a reference would load picocli's largest class in the lasting loader.
  private static final String PICOCLI = "picocli.CommandLine";

  private Start() {}

  public static void main(String[] args) {
    if (args.length == 0 || !"daemon".equals(args[0])) {
      Main.main(args);
      return;
    }
    AtomicReference<DaemonSettings> settings = new AtomicReference<>();
    OptionalInt parsed = parseInOwnLoader(args, settings::set);
    if (parsed.isEmpty()) {
      Main.main(args); // no second copy of the parser to load: parse and run in this loader
      return;
    }
    int code = parsed.getAsInt();
    if (code == ExitCodes.OK && settings.get() != null) {
      // The parser's loader is unreachable now; only a full collection unloads its classes, and
      // none may come for weeks in a daemon whose heap barely grows.
      System.gc();
      code = run(settings.get());
    }
    System.out.flush();
    System.err.flush();
    System.exit(code);
  }

  /**
   * The exit code of {@link Main#parseDaemon} run in a {@link ParserLoader}, or empty when that
   * loader cannot be made or cannot load it.
   */
  private static OptionalInt parseInOwnLoader(String[] args, Consumer<DaemonSettings> handoff) {
    Optional<ParserLoader> made = ParserLoader.over(Start.class.getClassLoader(), MAIN, PICOCLI);
    if (made.isEmpty()) {
      return OptionalInt.empty();
    }
    try (ParserLoader loader = made.get()) {
      Method parse;
      try {
        parse =
            Class.forName(MAIN, true, loader)
                .getMethod("parseDaemon", String[].class, Consumer.class);
      } catch (ReflectiveOperationException | LinkageError e) {
        return OptionalInt.empty();
      }
      return OptionalInt.of((Integer) parse.invoke(null, args, handoff));
    } catch (InvocationTargetException e) {
      return OptionalInt.of(FailureReport.reportInternal(e.getCause(), stderr()));
    } catch (IllegalAccessException e) {
      return OptionalInt.of(FailureReport.reportInternal(e, stderr()));
    }
  }

  /** {@link DaemonRun#run}, its failures reported as {@link Main#execute} reports a command's. */
  private static int run(DaemonSettings settings) {
    try {
      return DaemonRun.run(settings);
    } catch (Exception e) {
      return FailureReport.report(e, stderr());
    } catch (Error e) { // NOPMD: the last line of defence, as in Main.execute
      return FailureReport.reportInternal(e, stderr());
    }
  }

  private static PrintWriter stderr() {
    // System.err as it is now: DaemonRun replaces it with one that escapes each record's newlines.
    return new PrintWriter(new OutputStreamWriter(System.err, Charset.defaultCharset()), true);
  }
}
