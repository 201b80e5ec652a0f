package dev.lbuvault.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbuvault.testing.Http;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The HTTP endpoint with real sockets: hostile clients must not keep a scrape from succeeding. */
class MetricsServerTest {
  /**
   * Far below the server's request timeout, so a server that only serves a scrape after timing out
   * the held connections still fails, yet loose enough for a loaded CI machine.
   */
  private static final Duration SCRAPE_LIMIT = MetricsServer.REQUEST_TIMEOUT.dividedBy(2);

  private static final String METRICS = "# TYPE x gauge\nx 1\n";

  private static MetricsServer start() throws Exception {
    return MetricsServer.start(new InetSocketAddress("127.0.0.1", 0), () -> METRICS, () -> true);
  }

  private static Socket connect(MetricsServer server) throws Exception {
    Socket s = new Socket();
    s.connect(server.address(), 5000);
    return s;
  }

  /** Whether the server closed {@code s} within {@code within}: a read sees the end. */
  private static boolean closedByServer(Socket s, Duration within) throws Exception {
    s.setSoTimeout((int) within.toMillis());
    InputStream in = s.getInputStream();
    try {
      while (true) {
        if (in.read() < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (java.net.SocketException e) {
      return true; // reset
    }
  }

  private static void assertScrapesWithin(MetricsServer server, Duration limit) throws Exception {
    String base = "http://127.0.0.1:" + server.address().getPort();
    long start = System.nanoTime();
    Http.Response metrics = Http.get(base + "/metrics");
    Http.Response health = Http.get(base + "/healthz");
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.body()).isEqualTo(METRICS);
    assertThat(health.status()).isEqualTo(200);
    assertThat(took).isLessThan(limit);
  }

  @Test
  void clientsThatSendOneByteAndHoldTheConnectionDoNotBlockAScrape() throws Exception {
    try (MetricsServer server = start()) {
      List<Socket> slow = new ArrayList<>();
      try {
        for (int i = 0; i < 10; i++) {
          Socket s = connect(server);
          s.getOutputStream().write('G');
          s.getOutputStream().flush();
          slow.add(s);
        }
        assertScrapesWithin(server, SCRAPE_LIMIT);
      } finally {
        for (Socket s : slow) {
          s.close();
        }
      }
    }
  }

  @Test
  void aClientThatNeverFinishesItsRequestIsCutOffAfterTheTimeout() throws Exception {
    try (MetricsServer server = start();
        Socket s = connect(server)) {
      s.getOutputStream()
          .write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      long start = System.nanoTime();
      assertThat(closedByServer(s, MetricsServer.REQUEST_TIMEOUT.plusSeconds(6))).isTrue();
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(took)
          .isBetween(
              MetricsServer.REQUEST_TIMEOUT.minusSeconds(1),
              MetricsServer.REQUEST_TIMEOUT.plusSeconds(5));
    }
  }

  @Test
  void moreConnectionsThanTheCapCloseTheOldestAndAScrapeStillSucceeds() throws Exception {
    try (MetricsServer server = start()) {
      List<Socket> idle = new ArrayList<>();
      try {
        for (int i = 0; i < MetricsServer.MAX_CONNECTIONS * 3; i++) {
          idle.add(connect(server));
        }
        assertScrapesWithin(server, SCRAPE_LIMIT);
        assertThat(closedByServer(idle.get(0), Duration.ofSeconds(2)))
            .as("the oldest idle connection was closed to make room")
            .isTrue();
      } finally {
        for (Socket s : idle) {
          s.close();
        }
      }
    }
  }

  @Test
  void oversizedHeadersAreAnswered431AndClosed() throws Exception {
    try (MetricsServer server = start();
        Socket s = connect(server)) {
      OutputStream out = s.getOutputStream();
      out.write("GET /metrics HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] header = ("X-Junk: " + "a".repeat(1000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
      try {
        for (int i = 0; i < 64; i++) {
          out.write(header);
        }
      } catch (java.net.SocketException e) {
        // The server may close before all of it is sent: what it answered is checked below.
      }
      s.setSoTimeout(5000);
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(answer).startsWith("HTTP/1.1 431 ");
    }
  }

  @Test
  void onlyGetAndHeadAreServedAndTheHandlerNeverStops() throws Exception {
    try (MetricsServer server = start();
        Socket s = connect(server)) {
      s.getOutputStream()
          .write("POST /metrics HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      s.setSoTimeout(5000);
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(answer).startsWith("HTTP/1.1 405 ").contains("Allow: GET, HEAD");
      try (Socket garbage = connect(server)) {
        garbage.getOutputStream().write("\u0000\u0001\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        garbage.setSoTimeout(5000);
        assertThat(new String(garbage.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
            .startsWith("HTTP/1.1 405 ");
      }
      assertScrapesWithin(server, SCRAPE_LIMIT);
    }
  }
}
