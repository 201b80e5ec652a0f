package dev.lbuvault.fs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * The one walk over a directory tree (a card, the working mirror, a stored version): every entry
 * below the root in a stable pre-order (a directory before its contents, siblings sorted by name),
 * with its path relative to the root ('/' separated), its kind, size and mtime. It never follows
 * symlinks and never writes. A visitor may decline a directory's contents. Errors (an entry that
 * vanished, an unreadable directory) are thrown, so each caller decides what they mean.
 */
public final class TreeWalker {
  private TreeWalker() {}

  /** What an entry is, as lstat sees it. */
  public enum Kind {
    DIRECTORY,
    FILE,
    /** A symlink, device, socket or fifo: never followed or read. */
    OTHER
  }

  /**
   * One entry: {@code file} is the real path (it keeps the name's bytes exactly, even when they are
   * not valid in the platform's file-name encoding); {@code path} is its text form relative to the
   * root; {@code nameIntact} is false when that text does not name the same bytes, so the entry
   * cannot be recorded by name.
   */
  public record Entry(
      String path, Path file, Kind kind, long size, FileTime mtime, boolean nameIntact) {
    public Entry {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(file, "file");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(mtime, "mtime");
    }

    public boolean isDirectory() {
      return kind == Kind.DIRECTORY;
    }

    public boolean isFile() {
      return kind == Kind.FILE;
    }
  }

  /** Receives each entry; returns false to skip a directory's contents (ignored for files). */
  @FunctionalInterface
  public interface Visitor {
    boolean visit(Entry entry) throws IOException;
  }

  /** Visits every entry below {@code root} (not the root itself) in sorted pre-order. */
  public static void walk(Path root, Visitor visitor) throws IOException {
    Deque<Pending> stack = new ArrayDeque<>();
    pushChildren(root, "", true, stack);
    while (!stack.isEmpty()) {
      Pending p = stack.pop();
      BasicFileAttributes a =
          Files.readAttributes(p.file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      Kind kind = a.isDirectory() ? Kind.DIRECTORY : a.isRegularFile() ? Kind.FILE : Kind.OTHER;
      Entry e = new Entry(p.path, p.file, kind, a.size(), a.lastModifiedTime(), p.intact);
      if (visitor.visit(e) && kind == Kind.DIRECTORY) {
        pushChildren(p.file, p.path + "/", p.intact, stack);
      }
    }
  }

  /** Every entry below {@code root}, in sorted pre-order. */
  public static List<Entry> list(Path root) throws IOException {
    List<Entry> out = new ArrayList<>();
    walk(
        root,
        e -> {
          out.add(e);
          return true;
        });
    return out;
  }

  private static void pushChildren(Path dir, String prefix, boolean intact, Deque<Pending> stack)
      throws IOException {
    List<Pending> children = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path child : s) {
        Path name = child.getFileName();
        String text = name.toString();
        boolean same = intact && roundTrips(name, text);
        children.add(new Pending(prefix + text, child, same));
      }
    }
    // Sorted by name so a walk is reproducible; pushed in reverse so the first name pops first.
    children.sort(Comparator.comparing(Pending::name));
    for (int i = children.size() - 1; i >= 0; i--) {
      stack.push(children.get(i));
    }
  }

  /** Whether the text form of a name encodes back to the same bytes (UnixPath compares bytes). */
  private static boolean roundTrips(Path name, String text) {
    try {
      return name.getFileSystem().getPath(text).equals(name);
    } catch (InvalidPathException e) {
      return false;
    }
  }

  private record Pending(String path, Path file, boolean intact) {
    String name() {
      return file.getFileName().toString();
    }
  }
}
