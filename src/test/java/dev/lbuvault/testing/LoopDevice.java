package dev.lbuvault.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A real loop block device over a file, detached on close. Needs root and util-linux. */
public final class LoopDevice implements AutoCloseable {
  private final Path device;

  private LoopDevice(Path device) {
    this.device = device;
  }

  /** Attaches {@code file} (optionally a window of it, optionally read-only). */
  public static LoopDevice attach(Path file, long offset, long sizeLimit, boolean readOnly)
      throws IOException {
    Tools.requireRoot();
    Tools.require("losetup");
    List<String> cmd = new ArrayList<>(List.of("losetup", "-f", "--show"));
    if (offset > 0) {
      cmd.addAll(List.of("-o", Long.toString(offset)));
    }
    if (sizeLimit > 0) {
      cmd.addAll(List.of("--sizelimit", Long.toString(sizeLimit)));
    }
    if (readOnly) {
      cmd.add("-r");
    }
    cmd.add(file.toString());
    String dev = Commands.check(null, cmd.toArray(String[]::new)).strip();
    return new LoopDevice(Path.of(dev));
  }

  public static LoopDevice attach(Path file) throws IOException {
    return attach(file, 0, 0, false);
  }

  public Path path() {
    return device;
  }

  @Override
  public void close() throws IOException {
    Commands.run(null, List.of("losetup", "-d", device.toString()));
  }
}
