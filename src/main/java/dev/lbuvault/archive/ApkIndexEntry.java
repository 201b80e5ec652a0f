package dev.lbuvault.archive;

import java.util.List;
import java.util.Objects;

/**
 * One package record of an apk index ({@code APKINDEX} or the cache's {@code installed}): only the
 * fields a boot-readiness check needs.
 *
 * @param name {@code P:}, the package name
 * @param version {@code V:}, the package version
 * @param depends {@code D:}, the dependencies as written ({@code so:libc.musl-aarch64.so.1}, {@code
 *     foo>=1.2}, {@code !conflict})
 * @param provides {@code p:}, the names it also provides as written ({@code cmd:openssl=3.3.2-r0})
 */
public record ApkIndexEntry(
    String name, String version, List<String> depends, List<String> provides) {
  public ApkIndexEntry {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    depends = List.copyOf(depends);
    provides = List.copyOf(provides);
  }

  /** The file name apk gives this package in a repository: {@code <name>-<version>.apk}. */
  public String fileStem() {
    return name + "-" + version;
  }
}
