package dev.lbuvault.cli;

import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Optional;

/**
 * The class loader {@link Start} parses the daemon's command line in: it defines picocli's and this
 * package's classes itself, from the jar (or, under Maven, {@code target/classes} and picocli's own
 * jar), and asks its parent for all others. The settings it hands back are then of the application
 * loader's classes, and nothing that outlives the parsing refers to a class of this loader, so
 * dropping it unloads picocli.
 */
final class ParserLoader extends URLClassLoader {
  static {
    registerAsParallelCapable();
  }

  private ParserLoader(URL[] locations, ClassLoader parent) {
    super(locations, parent);
  }

  /**
   * A loader over the jars or directories {@code parent} finds {@code classNames} in, or empty when
   * one of them cannot be located (then the caller parses in {@code parent} itself).
   */
  static Optional<ParserLoader> over(ClassLoader parent, String... classNames) {
    URL[] locations = new URL[classNames.length];
    for (int i = 0; i < classNames.length; i++) {
      Optional<URL> location = locationOf(parent, classNames[i]);
      if (location.isEmpty()) {
        return Optional.empty();
      }
      locations[i] = location.get();
    }
    return Optional.of(new ParserLoader(locations, parent));
  }

  /** The jar or directory {@code loader} finds {@code className} in. */
  static Optional<URL> locationOf(ClassLoader loader, String className) {
    String resource = className.replace('.', '/') + ".class";
    URL found = loader.getResource(resource);
    if (found == null) {
      return Optional.empty();
    }
    String url = found.toString();
    // The entry is cut off at its end: a directory above the jar may itself be named "x!".
    String inJar = "!/" + resource;
    try {
      if (url.startsWith("jar:") && url.endsWith(inJar)) {
        return Optional.of(new URL(url.substring("jar:".length(), url.length() - inJar.length())));
      }
      if (url.startsWith("file:") && url.endsWith("/" + resource)) {
        return Optional.of(new URL(url.substring(0, url.length() - resource.length())));
      }
    } catch (MalformedURLException e) {
      return Optional.empty();
    }
    return Optional.empty();
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

  /** Closes the jar files it opened; a failure to close a read-only file loses nothing. */
  @Override
  public void close() {
    try {
      super.close();
    } catch (java.io.IOException e) {
      // Only open jar files to release, nothing written: the daemon goes on.
    }
  }
}
