package dev.lbuvault.diff;

/** How a path differs between the older and the newer version, with lbu status's letters. */
public enum ChangeKind {
  ADDED("A"),
  REMOVED("D"),
  CHANGED("M");

  private final String letter;

  ChangeKind(String letter) {
    this.letter = letter;
  }

  /** The one-letter code printed in front of the path. */
  public String letter() {
    return letter;
  }
}
