package dev.lbuvault.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes apk package indexes in Alpine's real format with GNU tar and gzip: an {@code APKINDEX}
 * text of {@code C: P: V: A: S: I: T: D: p:} records inside {@code APKINDEX.tar.gz}, optionally
 * signed the way abuild-sign does it (a gzip'd signature tar without its end-of-archive blocks,
 * followed by the gzip'd index tar).
 */
public final class ApkIndexes {
  private ApkIndexes() {}

  /** One package record: name, version, {@code D:} and {@code p:} tokens. */
  public record Pkg(String name, String version, List<String> depends, List<String> provides) {
    public static Pkg of(String name, String version, String... depends) {
      return new Pkg(name, version, List.of(depends), List.of());
    }

    public Pkg providing(String... names) {
      return new Pkg(name, version, depends, List.of(names));
    }

    String stanza() {
      StringBuilder b = new StringBuilder();
      b.append("C:Q1").append("A".repeat(27)).append("=\n");
      b.append("P:").append(name).append('\n');
      b.append("V:").append(version).append('\n');
      b.append("A:aarch64\nS:1024\nI:4096\nT:").append(name).append(" (test fixture)\n");
      b.append("U:https://example.invalid/\nL:MIT\no:").append(name).append('\n');
      b.append("m:Test <t@example.invalid>\nt:1735725600\n");
      if (!depends.isEmpty()) {
        b.append("D:").append(String.join(" ", depends)).append('\n');
      }
      if (!provides.isEmpty()) {
        b.append("p:").append(String.join(" ", provides)).append('\n');
      }
      return b.append('\n').toString();
    }
  }

  /** The text of an APKINDEX holding {@code packages}. */
  public static String text(List<Pkg> packages) {
    StringBuilder b = new StringBuilder();
    packages.forEach(p -> b.append(p.stanza()));
    return b.toString();
  }

  /** Writes {@code out} (an APKINDEX.tar.gz) with GNU tar and gzip; signed as abuild-sign does. */
  public static Path write(Path out, List<Pkg> packages, boolean signed) throws IOException {
    Tools.require("tar");
    Tools.require("gzip");
    Files.createDirectories(out.getParent());
    Path work = Files.createTempDirectory("lbuvault-apkindex");
    Files.writeString(work.resolve("APKINDEX"), text(packages));
    Files.writeString(work.resolve("DESCRIPTION"), "test boot repository");
    Files.write(work.resolve(".SIGN.RSA.test@example.invalid-0001.rsa.pub"), new byte[256]);
    String script =
        signed
            ? "tar --format=ustar -b 1 -cf sig.tar .SIGN.RSA.*"
                + " && head -c -1024 sig.tar | gzip -9n > sig.gz"
                + " && tar --format=ustar -czf idx.tar.gz DESCRIPTION APKINDEX"
                + " && cat sig.gz idx.tar.gz > \"$1\""
            : "tar -czf \"$1\" DESCRIPTION APKINDEX";
    try {
      Commands.check(work, "sh", "-c", script, "sh", out.toAbsolutePath().toString());
    } finally {
      Commands.check(null, "rm", "-rf", "--", work.toString());
    }
    return out;
  }
}
