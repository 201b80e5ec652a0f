package dev.lbuvault.metrics;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The daemon's HTTP endpoint: {@code /metrics} (Prometheus text format) and {@code /healthz} (200
 * "ok" while the scheduler runs, else 503). Any local user (any peer with {@code listen = 0.0.0.0})
 * can connect, so no client may hold it: one thread multiplexes every connection without blocking
 * (a selector), so a client that sends one byte and waits costs a buffer, never a thread; a request
 * must be complete within {@link #REQUEST_TIMEOUT} and {@link #MAX_REQUEST_BYTES}; at most {@link
 * #MAX_CONNECTIONS} are open, and a new one closes the oldest. Every response closes its connection
 * ({@code Connection: close}): a scrape every few seconds needs no more, and nothing is kept per
 * client between requests. The JDK's {@code HttpServer} was replaced because it reads a request on
 * its handler thread with no time limit.
 */
public final class MetricsServer implements AutoCloseable {
  /** The longest a client may take to send its request and read the response. */
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  /** The largest request (line and headers) accepted; more is answered 431. */
  public static final int MAX_REQUEST_BYTES = 8 * 1024;

  /** Connections open at once; one more closes the oldest. */
  public static final int MAX_CONNECTIONS = 32;

  private static final String TEXT = "text/plain; charset=utf-8";

  private final ServerSocketChannel listener;
  private final Selector selector;
  private final Supplier<String> metrics;
  private final BooleanSupplier healthy;
  private final Deque<SelectionKey> open = new ArrayDeque<>();
  private final Thread thread;
  private volatile boolean closed;

  private MetricsServer(
      ServerSocketChannel listener,
      Selector selector,
      Supplier<String> metrics,
      BooleanSupplier healthy) {
    this.listener = listener;
    this.selector = selector;
    this.metrics = metrics;
    this.healthy = healthy;
    this.thread = new Thread(this::serve, "lbuvault-http");
    thread.setDaemon(true);
  }

  /**
   * Binds {@code address} and starts serving.
   *
   * @throws IOException when the address cannot be bound (in use, not local, ...)
   */
  public static MetricsServer start(
      InetSocketAddress address, Supplier<String> metrics, BooleanSupplier healthy)
      throws IOException {
    ServerSocketChannel listener = ServerSocketChannel.open();
    Selector selector = Selector.open();
    try {
      listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      listener.bind(address, MAX_CONNECTIONS);
      listener.configureBlocking(false);
      listener.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException e) {
      listener.close();
      selector.close();
      throw e;
    }
    MetricsServer server = new MetricsServer(listener, selector, metrics, healthy);
    server.thread.start();
    return server;
  }

  /** The bound address (with the real port when port 0 was asked for). */
  public InetSocketAddress address() {
    try {
      return (InetSocketAddress) listener.getLocalAddress();
    } catch (IOException e) {
      throw new IllegalStateException("the listening socket is closed", e);
    }
  }

  private void serve() {
    while (!closed) {
      try {
        selector.select(selectTimeoutMillis(System.nanoTime()));
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey key = it.next();
          it.remove();
          step(key);
        }
        expire(System.nanoTime());
      } catch (IOException | RuntimeException e) {
        // One bad connection must not end the server: the loop goes on with the others.
        if (closed) {
          return;
        }
      }
    }
  }

  private void step(SelectionKey key) throws IOException {
    if (!key.isValid()) {
      return;
    }
    if (key.isAcceptable()) {
      accept();
      return;
    }
    Exchange ex = (Exchange) key.attachment();
    try {
      if (key.isReadable()) {
        read(key, ex);
      } else if (key.isWritable()) {
        write(key, ex);
      }
    } catch (IOException e) {
      drop(key);
    }
  }

  private void accept() throws IOException {
    SocketChannel c = listener.accept();
    if (c == null) {
      return;
    }
    while (open.size() >= MAX_CONNECTIONS) {
      drop(open.peekFirst());
    }
    c.configureBlocking(false);
    SelectionKey key =
        c.register(
            selector, SelectionKey.OP_READ, new Exchange(System.nanoTime() + timeoutNanos()));
    open.addLast(key);
  }

  private void read(SelectionKey key, Exchange ex) throws IOException {
    SocketChannel c = (SocketChannel) key.channel();
    if (c.read(ex.request) < 0) {
      drop(key);
      return;
    }
    int end = HttpRequest.headerEnd(ex.request);
    if (end >= 0) {
      ex.response = respond(HttpRequest.parse(ex.request, end));
    } else if (!ex.request.hasRemaining()) {
      ex.response =
          response(
              431, TEXT, "request headers larger than " + MAX_REQUEST_BYTES + " bytes\n", true);
    } else {
      return;
    }
    key.interestOps(SelectionKey.OP_WRITE);
    write(key, ex);
  }

  private void write(SelectionKey key, Exchange ex) throws IOException {
    ((SocketChannel) key.channel()).write(ex.response);
    if (!ex.response.hasRemaining()) {
      drop(key);
    }
  }

  /**
   * How long the selector may wait: until the oldest connection's deadline, or, with none open, for
   * as long as no client connects (0). An idle daemon's endpoint then costs no wake-up at all; a
   * fixed one-second tick cost it about 0.1 s of CPU per idle 10 minutes (docs/monitoring.md).
   */
  private long selectTimeoutMillis(long now) {
    SelectionKey oldest = open.peekFirst();
    if (oldest == null) {
      return 0;
    }
    long nanos = ((Exchange) oldest.attachment()).deadline - now;
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos) + 1);
  }

  private void expire(long now) {
    while (!open.isEmpty()) {
      SelectionKey oldest = open.peekFirst();
      Exchange ex = (Exchange) oldest.attachment();
      if (oldest.isValid() && now - ex.deadline < 0) {
        return;
      }
      drop(oldest);
    }
  }

  private void drop(SelectionKey key) {
    open.remove(key);
    key.cancel();
    try {
      key.channel().close();
    } catch (IOException e) {
      // Closing a socket the peer already reset: nothing left to release.
    }
  }

  private ByteBuffer respond(HttpRequest req) {
    if (!"GET".equals(req.method()) && !"HEAD".equals(req.method())) {
      return response(405, TEXT, "only GET and HEAD\n", false);
    }
    boolean head = "HEAD".equals(req.method());
    return switch (req.path()) {
      case "/metrics" -> response(200, LbuvaultMetrics.CONTENT_TYPE, metrics.get(), head);
      case "/healthz" -> {
        boolean ok = healthy.getAsBoolean();
        yield response(ok ? 200 : 503, TEXT, ok ? "ok\n" : "scheduler not running\n", head);
      }
      default -> response(404, TEXT, "not found; try /metrics or /healthz\n", head);
    };
  }

  private static ByteBuffer response(int status, String type, String body, boolean headOnly) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String head =
        "HTTP/1.1 "
            + status
            + " "
            + reason(status)
            + "\r\nContent-Type: "
            + type
            + "\r\nContent-Length: "
            + bytes.length
            + (status == 405 ? "\r\nAllow: GET, HEAD" : "")
            + "\r\nConnection: close\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer out = ByteBuffer.allocate(h.length + (headOnly ? 0 : bytes.length));
    out.put(h);
    if (!headOnly) {
      out.put(bytes);
    }
    return out.flip();
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 431 -> "Request Header Fields Too Large";
      case 503 -> "Service Unavailable";
      default -> "Bad Request";
    };
  }

  private static long timeoutNanos() {
    return REQUEST_TIMEOUT.toNanos();
  }

  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (SelectionKey key : selector.keys()) {
      try {
        key.channel().close();
      } catch (IOException e) {
        // Closing at shutdown: nothing more to do.
      }
    }
    try {
      selector.close();
    } catch (IOException e) {
      // Closing at shutdown: nothing more to do.
    }
  }

  /** One connection's state: its deadline, the request read so far, the response to send. */
  private static final class Exchange {
    final long deadline;
    final ByteBuffer request = ByteBuffer.allocate(MAX_REQUEST_BYTES);
    ByteBuffer response;

    Exchange(long deadline) {
      this.deadline = deadline;
    }
  }
}
