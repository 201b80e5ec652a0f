package dev.lbuvault.archive;

import java.nio.file.Path;

/** Entry point for {@link ApkovlValidatorMemoryTest}'s child JVM with a small heap. */
final class ValidateInChildJvm {
  private ValidateInChildJvm() {}

  public static void main(String[] args) throws Exception {
    ApkovlSummary summary = new ApkovlValidator().validate(Path.of(args[0]));
    System.out.println("entries=" + summary.entryCount() + " world=" + summary.worldPackages());
  }
}
