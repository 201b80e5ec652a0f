package dev.lbuvault.recover;

import java.util.List;

/**
 * What goes on the rebuilt card: the files, the one apkovl chosen for the root (null if the version
 * has none), the files deliberately left out (other apkovls, in-progress {@code *.new} files, boot
 * files replaced by the release), and the text of {@code config.txt} for the boot check.
 */
public record CardContent(
    List<CardItem> items,
    String apkovl,
    List<String> leftOut,
    String configTxt,
    List<String> directories) {
  public CardContent {
    items = List.copyOf(items);
    leftOut = List.copyOf(leftOut);
    directories = List.copyOf(directories);
  }

  /** Content whose only directories are those its files' paths imply. */
  public CardContent(List<CardItem> items, String apkovl, List<String> leftOut, String configTxt) {
    this(items, apkovl, leftOut, configTxt, List.of());
  }

  public long dataBytes() {
    return items.stream().mapToLong(CardItem::size).sum();
  }
}
