package dev.lbuvault.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@code strace -f -y} trace of the calls that change what a power cut can lose (directory
 * entries, file times) and of the fsyncs that make them durable, checked by rules: every entry
 * created under a root (mkdir, rename target, link) is followed by an fsync of its directory, and
 * every file time set is followed by an fsync of that file, unless the entry is removed again (a
 * temporary). A SIGKILL test cannot see this order; only a power cut would.
 */
public final class SyscallTrace {
  /** The calls to trace, for {@code strace -e trace=...}. */
  public static final String CALLS =
      "mkdir,mkdirat,rename,renameat,renameat2,link,linkat,utimensat,fsync,fdatasync,"
          + "unlink,unlinkat,rmdir";

  private static final Pattern LINE =
      Pattern.compile("^(\\d+)\\s+(\\w+)\\((.*)\\)\\s+=\\s+(-?\\d+).*$");
  private static final Pattern QUOTED = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern FD_PATH = Pattern.compile("^-?\\d+<([^>]*)>");

  /** One successful call: its name and the paths it names (fd paths resolved by -y). */
  record Call(String name, List<String> paths) {}

  private final List<Call> calls;

  private SyscallTrace(List<Call> calls) {
    this.calls = calls;
  }

  /** Reads a trace written by {@code strace -f -y -qq -o FILE -e trace=CALLS}. */
  public static SyscallTrace read(Path file) throws IOException {
    Map<String, String> unfinished = new HashMap<>();
    List<Call> calls = new ArrayList<>();
    for (String raw : Files.readAllLines(file)) {
      String line = joinResumed(raw, unfinished);
      if (line == null) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (m.matches() && m.group(4).equals("0")) {
        calls.add(new Call(m.group(2), paths(m.group(3))));
      }
    }
    return new SyscallTrace(calls);
  }

  /** strace splits a call interrupted by another thread into "unfinished" and "resumed" lines. */
  private static String joinResumed(String line, Map<String, String> unfinished) {
    String pid = line.split("\\s+", 2)[0];
    if (line.endsWith("<unfinished ...>")) {
      unfinished.put(pid, line.substring(0, line.length() - "<unfinished ...>".length()));
      return null;
    }
    int resumed = line.indexOf(" resumed>");
    if (resumed >= 0 && unfinished.containsKey(pid)) {
      return unfinished.remove(pid) + line.substring(resumed + " resumed>".length());
    }
    return line;
  }

  private static List<String> paths(String args) {
    List<String> paths = new ArrayList<>();
    for (String arg : args.split(", (?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")) {
      Matcher fd = FD_PATH.matcher(arg.strip());
      Matcher q = QUOTED.matcher(arg.strip());
      if (fd.find()) {
        paths.add(fd.group(1));
      } else if (q.find() && q.start() == 0) {
        paths.add(q.group(1));
      }
    }
    return paths;
  }

  /**
   * The rule violations under {@code root}, one line each; empty when every new entry and every
   * file time is durable before the process ended.
   */
  public List<String> violationsUnder(Path root) {
    String prefix = root.toAbsolutePath().toString() + "/";
    List<String> violations = new ArrayList<>();
    for (int i = 0; i < calls.size(); i++) {
      Call c = calls.get(i);
      String created = createdEntry(c);
      if (created != null && created.startsWith(prefix) && !removedAfter(created, i)) {
        String dir = parentOf(created);
        if (!fsyncedAfter(dir, i)) {
          violations.add(c.name() + " " + created + ": its directory " + dir + " is never fsynced");
        }
      }
      if (c.name().equals("utimensat") && !c.paths().isEmpty()) {
        String file = c.paths().get(c.paths().size() - 1);
        if (file.startsWith(prefix) && !fsyncedAfter(file, i)) {
          violations.add("utimensat " + file + ": the file is not fsynced after its time is set");
        }
      }
    }
    return violations;
  }

  /** How many calls were read: a trace of nothing proves nothing. */
  public int size() {
    return calls.size();
  }

  private static String createdEntry(Call c) {
    switch (c.name()) {
      case "mkdir", "mkdirat", "rename", "renameat", "renameat2", "link", "linkat":
        return c.paths().isEmpty() ? null : c.paths().get(c.paths().size() - 1);
      default:
        return null;
    }
  }

  private boolean removedAfter(String path, int index) {
    for (int j = index + 1; j < calls.size(); j++) {
      Call c = calls.get(j);
      boolean removal =
          switch (c.name()) {
            case "unlink", "unlinkat", "rmdir" -> c.paths().contains(path);
            case "rename", "renameat", "renameat2" ->
                !c.paths().isEmpty() && c.paths().get(0).equals(path);
            default -> false;
          };
      if (removal) {
        return true;
      }
    }
    return false;
  }

  private boolean fsyncedAfter(String path, int index) {
    for (int j = index + 1; j < calls.size(); j++) {
      Call c = calls.get(j);
      if ((c.name().equals("fsync") || c.name().equals("fdatasync")) && c.paths().contains(path)) {
        return true;
      }
    }
    return false;
  }

  private static String parentOf(String path) {
    int slash = path.lastIndexOf('/');
    return slash <= 0 ? "/" : path.substring(0, slash);
  }
}
