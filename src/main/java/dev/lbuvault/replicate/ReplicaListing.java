package dev.lbuvault.replicate;

import dev.lbuvault.repo.VersionId;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the far side of an ssh replication tells the near side about one host (the answer to {@code
 * list} and {@code prepare}): the target's backend ({@code none} when there is no repository yet),
 * whether it has {@code zstd}, and each version with the UUID it was received from. Text lines:
 *
 * <pre>
 * lbuvault-receive 1
 * backend btrfs|plain|none
 * zstd yes|no
 * version ID RECEIVED-UUID|-
 * </pre>
 */
public record ReplicaListing(
    String backend, boolean zstd, Map<VersionId, Optional<String>> receivedUuids) {
  private static final String HEADER = "lbuvault-receive 1";

  public ReplicaListing {
    Objects.requireNonNull(backend, "backend");
    receivedUuids = java.util.Collections.unmodifiableMap(new TreeMap<>(receivedUuids));
  }

  /** The lines the far side prints. */
  public String write() {
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    b.append("backend ").append(backend).append('\n');
    b.append("zstd ").append(zstd ? "yes" : "no").append('\n');
    receivedUuids.forEach(
        (id, uuid) ->
            b.append("version ").append(id).append(' ').append(uuid.orElse("-")).append('\n'));
    return b.toString();
  }

  /**
   * Reads what {@link #write} printed.
   *
   * @throws IOException naming {@code from} when the text is not such a listing (the far side is
   *     not lbuvault receive, or another version of it)
   */
  public static ReplicaListing parse(String text, String from) throws IOException {
    var lines = text.lines().toList();
    if (lines.size() < 3 || !HEADER.equals(lines.get(0))) {
      throw new IOException(
          from
              + " did not answer as lbuvault receive does (first line \""
              + (lines.isEmpty() ? "" : lines.get(0))
              + "\", expected \""
              + HEADER
              + "\"); is the far side's authorized_keys command lbuvault receive"
              + " --restrict-path, and is its lbuvault as new as this one?");
    }
    String backend = value(lines.get(1), "backend", from);
    boolean zstd = "yes".equals(value(lines.get(2), "zstd", from));
    Map<VersionId, Optional<String>> versions = new TreeMap<>();
    for (String line : lines.subList(3, lines.size())) {
      String[] w = line.split(" ");
      if (w.length != 3 || !"version".equals(w[0]) || !VersionId.isValid(w[1])) {
        throw new IOException(from + " sent a malformed version line: \"" + line + "\"");
      }
      versions.put(new VersionId(w[1]), "-".equals(w[2]) ? Optional.empty() : Optional.of(w[2]));
    }
    return new ReplicaListing(backend, zstd, versions);
  }

  private static String value(String line, String key, String from) throws IOException {
    if (!line.startsWith(key + " ")) {
      throw new IOException(from + " sent \"" + line + "\" where \"" + key + " ...\" belongs");
    }
    return line.substring(key.length() + 1);
  }
}
