package dev.lbuvault.status;

import dev.lbuvault.repo.HostNames;
import dev.lbuvault.repo.Repository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The host whose metrics to report before (or without) a backup naming it: the one configured, else
 * the only host named by the card's apkovls, else the only host in the repository, else this
 * machine's host name (lbu names the apkovl after it). Only the first three are authoritative: a
 * guessed name is used as a label but never creates a host area in the repository, where it would
 * make {@code lbuvault list} ask which host is meant.
 *
 * @param name the host label
 * @param authoritative whether a state file may be created for it
 */
public record HostChoice(String name, boolean authoritative) {
  public HostChoice {
    Objects.requireNonNull(name, "name");
  }

  /** Chooses as described above; {@code repository} may be null when it cannot be opened. */
  public static HostChoice choose(
      Optional<String> configured, SourceSnapshot source, Repository repository) {
    if (configured.isPresent()) {
      return new HostChoice(configured.get(), true);
    }
    List<String> onCard = source.hosts();
    if (onCard.size() == 1 && HostNames.isValid(onCard.get(0))) {
      return new HostChoice(onCard.get(0), true);
    }
    if (repository != null) {
      try {
        List<String> hosts = repository.hosts();
        if (hosts.size() == 1) {
          return new HostChoice(hosts.get(0), true);
        }
      } catch (IOException e) {
        // fall through to the machine's name
      }
    }
    return new HostChoice(machineName(), false);
  }

  private static String machineName() {
    // Not InetAddress.getLocalHost(): it may wait on DNS, and the kernel already knows.
    try {
      String name =
          Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
      return HostNames.isValid(name) ? name : "unknown";
    } catch (IOException e) {
      return "unknown";
    }
  }
}
