package dev.lbuvault.cli;

import dev.lbuvault.daemon.DaemonSettings;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.Charset;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The jar's entry point. Every command but {@code daemon} goes straight to {@link Main}. The daemon
 * runs for months, and picocli's classes (about 170, with this package's command classes) would
 * stay loaded all that time although only the option parsing used them: so the daemon's command
 * line is parsed by {@link Main#parseDaemon} in a class loader of its own, which defines picocli
 * and this package itself and takes everything else from the application class loader. With the
 * settings handed over, that loader is dropped and one full collection unloads its classes before
 * {@link DaemonRun} runs (docs/monitoring.md, "Footprint", has what it saves).
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
    ClassLoader app = Start.class.getClassLoader();
    URL ours = locationOf(app, MAIN);
    URL picocli = locationOf(app, PICOCLI);
    if (ours == null || picocli == null) {
      Main.main(args); // nowhere to load a second copy from: parse and run here
      return;
    }
    AtomicReference<DaemonSettings> settings = new AtomicReference<>();
    int code = parseInOwnLoader(new URL[] {ours, picocli}, args, settings::set);
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
   * The jar or directory {@code loader} finds {@code className} in: the one lbuvault.jar when
   * packaged, {@code target/classes} and picocli's own jar under Maven.
   */
  static URL locationOf(ClassLoader loader, String className) {
    String resource = className.replace('.', '/') + ".class";
    URL found = loader.getResource(resource);
    if (found == null) {
      return null;
    }
    String url = found.toString();
    int bang = url.indexOf("!/");
    try {
      if (url.startsWith("jar:") && bang > 0) {
        return new URL(url.substring("jar:".length(), bang));
      }
      if (url.startsWith("file:") && url.endsWith(resource)) {
        return new URL(url.substring(0, url.length() - resource.length()));
      }
    } catch (MalformedURLException e) {
      return null;
    }
    return null;
  }

  /** Runs {@link Main#parseDaemon} in a throwaway loader; returns its exit code. */
  private static int parseInOwnLoader(
      URL[] locations, String[] args, Consumer<DaemonSettings> handoff) {
    try (ParserLoader loader = new ParserLoader(locations, Start.class.getClassLoader())) {
      Object code =
          Class.forName(MAIN, true, loader)
              .getMethod("parseDaemon", String[].class, Consumer.class)
              .invoke(null, args, handoff);
      return (Integer) code;
    } catch (IOException | ReflectiveOperationException e) {
      Throwable cause = e instanceof InvocationTargetException i ? i.getCause() : e;
      return internalError(cause);
    }
  }

  /** {@link DaemonRun#run}, its failures reported as {@link Main#execute} reports a command's. */
  private static int run(DaemonSettings settings) {
    try {
      return DaemonRun.run(settings);
    } catch (Exception e) {
      PrintWriter err = stderr();
      int code = FailureReport.report(e, err);
      err.flush();
      return code;
    } catch (Error e) { // NOPMD: the last line of defence, as in Main.execute
      return internalError(e);
    }
  }

  private static PrintWriter stderr() {
    // System.err as it is now: DaemonRun replaces it with one that escapes each record's newlines.
    return new PrintWriter(new OutputStreamWriter(System.err, Charset.defaultCharset()), true);
  }

  private static int internalError(Throwable t) {
    PrintWriter err = stderr();
    err.println("lbuvault: " + FailureReport.internalError(t));
    if ("1".equals(System.getenv("LBUVAULT_DEBUG"))) {
      t.printStackTrace(err);
    }
    err.flush();
    return ExitCodes.FAILURE;
  }

  /**
   * Defines picocli's and this package's classes itself, from the jar, and asks its parent for all
   * others: the settings it hands back are then of the application loader's classes, and nothing
   * that outlives the parsing refers to a class of this loader.
   */
  static final class ParserLoader extends URLClassLoader {
    static {
      registerAsParallelCapable();
    }

    ParserLoader(URL[] locations, ClassLoader parent) {
      super(locations, parent);
    }

    static boolean ownsName(String name) {
      return name.startsWith("picocli.") || name.startsWith("dev.lbuvault.cli.");
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (!ownsName(name)) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          c = findClass(name);
        }
        if (resolve) {
          resolveClass(c);
        }
        return c;
      }
    }
  }
}
