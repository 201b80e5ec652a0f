package dev.lbuvault.image;

import java.nio.file.attribute.FileTime;

/**
 * One short directory entry as {@link DirectoryDecoder} found it, with its long name resolved:
 * files, directories, the {@code .}/{@code ..} entries and volume labels alike.
 *
 * @param name the long name if a valid one precedes the entry, else the 8.3 display name
 * @param rawName the 11 name bytes as ISO-8859-1, as stored
 * @param position the entry's index in its directory
 */
record DirRecord(
    String name,
    String rawName,
    int attributes,
    long cluster,
    long size,
    int date,
    int time,
    int position) {
  boolean directory() {
    return (attributes & DirEntryFields.ATTR_DIRECTORY) != 0;
  }

  boolean volumeLabel() {
    return (attributes & DirEntryFields.ATTR_VOLUME) != 0;
  }

  /** {@code .} or {@code ..}: no other short name starts with a dot. */
  boolean dotEntry() {
    return rawName.charAt(0) == '.';
  }

  /** A file or directory that {@link FatReader#list} shows. */
  boolean listed() {
    return !volumeLabel() && !dotEntry();
  }

  FileTime mtime() {
    return FatTime.decode(date, time);
  }
}
