package dev.lbuvault.cli;

import dev.lbuvault.metrics.LbuvaultMetrics;
import dev.lbuvault.metrics.TextfileExporter;
import dev.lbuvault.status.HostStatus;
import dev.lbuvault.status.ReplicaSink;
import dev.lbuvault.status.StatusSink;
import dev.lbuvault.uncommitted.UncommittedReport;
import dev.lbuvault.uncommitted.UncommittedSink;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * Where the daemon's reports go: the metrics registry its {@code /metrics} serves and, with {@code
 * textfile.dir}, the node_exporter textfile, rewritten after each report so that it never lags the
 * endpoint. A textfile that cannot be written is logged and the daemon goes on.
 */
final class MetricsSinks {
  private final LbuvaultMetrics metrics;
  private final Optional<TextfileExporter> textfile;
  private final Logger log;

  MetricsSinks(LbuvaultMetrics metrics, Optional<Path> textfileDir, Logger log) {
    this.metrics = metrics;
    this.textfile = textfileDir.map(TextfileExporter::new);
    this.log = log;
  }

  StatusSink status() {
    return new StatusSink() {
      @Override
      public void publish(HostStatus status) {
        metrics.publish(status);
        writeTextfile();
      }

      @Override
      public StatusSink forSource(int index) {
        StatusSink source = metrics.forSource(index);
        return status -> {
          source.publish(status);
          writeTextfile();
        };
      }
    };
  }

  UncommittedSink uncommitted() {
    return new UncommittedSink() {
      @Override
      public void publish(UncommittedReport report) {
        metrics.publish(report);
        writeTextfile();
      }

      @Override
      public void clear(String host) {
        metrics.clear(host);
        writeTextfile();
      }
    };
  }

  ReplicaSink replicas() {
    return status -> {
      metrics.publish(status);
      writeTextfile();
    };
  }

  private void writeTextfile() {
    textfile.ifPresent(
        t -> {
          try {
            t.write(metrics);
          } catch (IOException e) {
            log.error("cannot write {}: {}", t.file(), e.toString());
          }
        });
  }
}
