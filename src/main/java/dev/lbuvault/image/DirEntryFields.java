package dev.lbuvault.image;

/**
 * Byte offsets of a 32-byte FAT directory entry, its attribute bits, and the first-byte markers,
 * named once for the reading classes.
 */
final class DirEntryFields {
  static final int BYTES = 32;
  static final int NAME = 0;
  static final int NAME_LENGTH = 11;
  static final int BASE_LENGTH = 8;
  static final int ATTRIBUTES = 11;

  /** Windows NT's lower-case flags: bit 3 for the base name, bit 4 for the extension. */
  static final int NT_FLAGS = 12;

  static final int NT_LOWER_BASE = 0x08;
  static final int NT_LOWER_EXTENSION = 0x10;
  static final int CLUSTER_HIGH = 20;
  static final int MTIME = 22;
  static final int MDATE = 24;
  static final int CLUSTER_LOW = 26;
  static final int SIZE = 28;

  /** LFN entries: sequence byte (0x40 marks the last part), checksum of the short name. */
  static final int LFN_SEQUENCE = 0;

  static final int LFN_LAST = 0x40;
  static final int LFN_ORDINAL_MASK = 0x1F;
  static final int LFN_CHECKSUM = 13;

  static final int ATTR_READ_ONLY = 0x01;
  static final int ATTR_HIDDEN = 0x02;
  static final int ATTR_SYSTEM = 0x04;
  static final int ATTR_VOLUME = 0x08;
  static final int ATTR_DIRECTORY = 0x10;
  static final int ATTR_LFN = ATTR_READ_ONLY | ATTR_HIDDEN | ATTR_SYSTEM | ATTR_VOLUME;

  /** First-byte markers: end of directory, deleted entry, and 0xE5 stored as 0x05. */
  static final int END = 0x00;

  static final int DELETED = 0xE5;
  static final int KANJI_E5 = 0x05;

  private DirEntryFields() {}
}
