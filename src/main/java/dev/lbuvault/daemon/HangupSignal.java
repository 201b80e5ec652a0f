package dev.lbuvault.daemon;

import java.lang.reflect.Proxy;

/**
 * Replaces the JVM's SIGHUP action. By default the JVM treats SIGHUP like SIGTERM and shuts down;
 * the daemon's shutdown then reports a clean stop (exit 0), so {@code sv hup}, a closed terminal or
 * a log rotator's HUP would end the service with no restart. The daemon reads its configuration
 * once, at start, so a HUP is logged and otherwise ignored; a restart applies a changed file.
 *
 * <p>{@code sun.misc.Signal} (module {@code jdk.unsupported}) is the JDK's only way to handle a
 * signal. It is called through reflection because javac warns, without a way to suppress it, on any
 * direct use, and the build treats warnings as errors.
 */
public final class HangupSignal {
  private HangupSignal() {}

  /**
   * Runs {@code onHangup} on each SIGHUP instead of shutting down.
   *
   * @return false when the JVM offers no signal API (the default action then stays)
   */
  public static boolean handle(Runnable onHangup) {
    try {
      Class<?> signalClass = Class.forName("sun.misc.Signal");
      Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      Object signal = signalClass.getConstructor(String.class).newInstance("HUP");
      Object handler =
          Proxy.newProxyInstance(
              handlerClass.getClassLoader(),
              new Class<?>[] {handlerClass},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "handle" -> {
                      onHangup.run();
                      yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> "lbuvault SIGHUP handler";
                  });
      signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
      return true;
    } catch (ReflectiveOperationException | IllegalArgumentException e) {
      return false;
    }
  }
}
