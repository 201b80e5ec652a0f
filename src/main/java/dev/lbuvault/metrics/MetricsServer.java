package dev.lbuvault.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The daemon's HTTP endpoint: {@code /metrics} (Prometheus text format) and {@code /healthz} (200
 * "ok" while the scheduler runs, else 503). It is the JDK's own server on one thread: a scrape
 * every few seconds needs no more, and no web framework has to be loaded onto the Pi.
 */
public final class MetricsServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;

  private MetricsServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds {@code address} and starts serving.
   *
   * @throws IOException when the address cannot be bound (in use, not local, ...)
   */
  public static MetricsServer start(
      InetSocketAddress address, Supplier<String> metrics, BooleanSupplier healthy)
      throws IOException {
    HttpServer server = HttpServer.create(address, 8);
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "lbuvault-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext(
        "/metrics",
        ex ->
            respond(ex, 200, LbuvaultMetrics.CONTENT_TYPE, exact(ex, "/metrics") ? metrics : null));
    server.createContext(
        "/healthz",
        ex -> {
          boolean ok = healthy.getAsBoolean();
          respond(
              ex,
              ok ? 200 : 503,
              "text/plain; charset=utf-8",
              exact(ex, "/healthz") ? () -> ok ? "ok\n" : "scheduler not running\n" : null);
        });
    server.createContext("/", ex -> respond(ex, 404, "text/plain; charset=utf-8", null));
    server.start();
    return new MetricsServer(server, executor);
  }

  /** The bound address (with the real port when port 0 was asked for). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  private static boolean exact(HttpExchange ex, String path) {
    return path.equals(ex.getRequestURI().getPath());
  }

  private static void respond(HttpExchange ex, int status, String type, Supplier<String> body)
      throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      if (!"GET".equals(method) && !"HEAD".equals(method)) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        ex.sendResponseHeaders(405, -1);
        return;
      }
      int code = body == null ? 404 : status;
      String text = body == null ? "not found; try /metrics or /healthz\n" : body.get();
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      if ("HEAD".equals(method)) {
        ex.sendResponseHeaders(code, -1);
        return;
      }
      ex.sendResponseHeaders(code, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
