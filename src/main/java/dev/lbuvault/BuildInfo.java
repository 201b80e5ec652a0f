package dev.lbuvault;

/** The version of lbuvault that is running, as recorded in each version it writes. */
public final class BuildInfo {
  private BuildInfo() {}

  /** The jar's Implementation-Version, or {@code dev} when run from unpackaged classes. */
  public static String version() {
    String v = BuildInfo.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
