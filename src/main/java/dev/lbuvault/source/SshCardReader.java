package dev.lbuvault.source;

import dev.lbuvault.archive.TarStreamReader;
import dev.lbuvault.process.ProcessResult;
import dev.lbuvault.process.ProcessRunner;
import dev.lbuvault.source.RemoteSourceException.Kind;
import dev.lbuvault.ssh.SshCommand;
import dev.lbuvault.ssh.SshFailure;
import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A card on another host, read with the OpenSSH client and the host's own {@code find}, {@code
 * stat} and {@code tar} (busybox's on Alpine; nothing to install there), one connection per call:
 * {@link #scan} lists by stat only ({@link RemoteListing}); {@link #read}, only if some files
 * changed (no connection for none), runs one {@code tar -cf - -T -} of exactly those files, read
 * member by member and checked against the listing (name, size, mtime) so a file lbu rewrote
 * meanwhile is busy, not stored. The remote path is always an argument of a fixed script ({@code sh
 * -c SCRIPT sh PATH}), never part of it.
 */
public final class SshCardReader implements CardReader {
  /** The remote script's exit status when the directory is missing. */
  static final int EXIT_NO_DIRECTORY = 3;

  /** The listing script's exit status when find or stat failed (a file vanished mid-listing). */
  static final int EXIT_LISTING_FAILED = 4;

  /** Files to send are read from stdin, one {@code ./path} per line (no name starts with '-'). */
  private static final String TAR_SCRIPT =
      "cd \"$1\" 2>/dev/null || exit " + EXIT_NO_DIRECTORY + "; exec tar -cf - -T -";

  private static final int MAX_STDERR_CHARS = 4096;

  private final SshCommand ssh;
  private final ProcessRunner runner;

  public SshCardReader(SshCommand ssh, ProcessRunner runner) {
    this.ssh = ssh;
    this.runner = runner;
  }

  @Override
  public String location() {
    return ssh.url().toString();
  }

  @Override
  public CardScan scan() throws SourceException {
    ProcessResult r;
    try {
      r = runner.run(remote(RemoteListing.SCRIPT));
    } catch (IOException e) {
      throw new RemoteSourceException(
          Kind.UNREACHABLE, "cannot run ssh to list " + location() + ": " + e.getMessage());
    }
    if (r.exitCode() == SshCommand.SSH_FAILURE) {
      throw sshFailure(r.stderr(), "list");
    }
    if (r.exitCode() == EXIT_NO_DIRECTORY) {
      throw missingPath();
    }
    if (r.exitCode() == EXIT_LISTING_FAILED) {
      // lbu commit renames and deletes apkovls as it goes: busy, retry.
      throw new SourceBusyException(
          "a file of " + location() + " vanished while it was listed: " + lastLine(r.stderr()));
    }
    if (r.exitCode() != 0) {
      throw new RemoteSourceException(
          Kind.TRANSFER,
          "listing "
              + location()
              + " failed (remote exit "
              + r.exitCode()
              + "): "
              + lastLine(r.stderr())
              + "; nothing was stored");
    }
    return RemoteListing.parse(r.stdout(), location());
  }

  @Override
  public void read(List<CardFile> files, Receiver receiver) throws IOException, SourceException {
    if (files.isEmpty()) {
      return;
    }
    Process p = runner.start(remote(TAR_SCRIPT));
    CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> drain(p));
    CompletableFuture<Void> names = CompletableFuture.runAsync(() -> sendNames(p, files));
    RemoteReadException broken = null;
    boolean complete = false;
    try (InputStream out = p.getInputStream()) {
      readMembers(new TarStreamReader(out), files, receiver);
      complete = true;
    } catch (RemoteReadException e) {
      broken = e;
    } finally {
      if (!complete) {
        // Stop the transfer: a busy file, a broken stream or the receiver's failure ends the run.
        names.cancel(false);
        p.destroy();
      }
    }
    int exit = waitFor(p);
    String err = stderr.join();
    if (exit == SshCommand.SSH_FAILURE) {
      throw sshFailure(err, "read");
    }
    if (exit == EXIT_NO_DIRECTORY) {
      throw missingPath();
    }
    if (broken != null || exit != 0) {
      throw new RemoteSourceException(
          Kind.TRANSFER,
          "reading files of "
              + location()
              + " with tar broke off"
              + (exit == 0 ? "" : " (remote exit " + exit + ")")
              + ": "
              + (err.isBlank() && broken != null ? broken.getMessage() : lastLine(err))
              + "; nothing was stored, run the backup again");
    }
  }

  /** Checks each member against the listing and hands it to the receiver, then the end marker. */
  private void readMembers(TarStreamReader tar, List<CardFile> files, Receiver receiver)
      throws IOException, SourceException {
    for (int i = 0; i < files.size(); i++) {
      CardFile f = files.get(i);
      Optional<TarStreamReader.Member> next = nextMember(tar);
      if (next.isEmpty()) {
        throw new RemoteReadException("the tar stream ended before " + f.path());
      }
      TarStreamReader.Member m = next.get();
      String name = m.name().startsWith("./") ? m.name().substring(2) : m.name();
      if (!name.equals(f.path())) {
        if (files.subList(i + 1, files.size()).stream().anyMatch(g -> g.path().equals(name))) {
          // tar skips a file it cannot open: one lbu renamed or deleted meanwhile.
          throw new SourceBusyException(f.path() + " vanished while it was read");
        }
        throw new RemoteReadException(
            "the tar stream holds " + name + " where " + f.path() + " was expected");
      }
      if (!m.regularFile() || m.size() != f.size() || !m.mtime().equals(f.mtime())) {
        throw new SourceBusyException(f.path() + " changed while it was read");
      }
      receiver.receive(f, new Tagging(tar.content())).accept();
    }
    if (nextMember(tar).isPresent()) {
      throw new RemoteReadException("the tar stream holds more members than were asked for");
    }
  }

  private static Optional<TarStreamReader.Member> nextMember(TarStreamReader tar)
      throws RemoteReadException {
    try {
      return tar.next();
    } catch (IOException e) {
      throw new RemoteReadException(e);
    }
  }

  /** Writes the names tar is to send; a tar that stopped reading is reported by the tar stream. */
  private static void sendNames(Process p, List<CardFile> files) {
    try (OutputStream in = new BufferedOutputStream(p.getOutputStream())) {
      for (CardFile f : files) {
        in.write(("./" + f.path() + "\n").getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      // tar exited early; its exit status and stderr say why
    }
  }

  private List<String> remote(String script) {
    return ssh.argv(List.of("sh", "-c", script, "sh", ssh.url().path()));
  }

  private RemoteSourceException missingPath() {
    return new RemoteSourceException(
        Kind.MISSING_PATH,
        "no directory "
            + ssh.url().path()
            + " on "
            + ssh.url().destination()
            + " ("
            + location()
            + "): is the card mounted there? Nothing was stored (check --source)");
  }

  /** Tells ssh's own failures apart by what ssh printed (its exit status is 255 for all). */
  private RemoteSourceException sshFailure(String stderr, String verb) {
    String line = lastLine(stderr);
    String host = ssh.url().destination();
    SshFailure failure = SshFailure.of(stderr);
    if (failure == SshFailure.LOGIN_REFUSED) {
      return new RemoteSourceException(
          Kind.AUTHENTICATION,
          "ssh login to "
              + host
              + " refused ("
              + line
              + ") for "
              + location()
              + ": check the key (--ssh-identity) and that host's authorized_keys; nothing was"
              + " stored");
    }
    if (failure == SshFailure.HOST_KEY) {
      return new RemoteSourceException(
          Kind.AUTHENTICATION,
          "host key of "
              + host
              + " is not in known_hosts or has changed ("
              + line
              + ") for "
              + location()
              + ": check it and add it (ssh once by hand); nothing was stored");
    }
    if (verb.equals("read")) {
      return new RemoteSourceException(
          Kind.TRANSFER,
          "ssh connection to "
              + host
              + " broke off while reading "
              + location()
              + " ("
              + line
              + "); nothing was stored, run the backup again");
    }
    return new RemoteSourceException(
        Kind.UNREACHABLE,
        "cannot reach "
            + host
            + " over ssh to "
            + verb
            + " "
            + location()
            + " ("
            + line
            + "); nothing was stored, retry when the host is up");
  }

  /** The last line worth showing: ssh's error comes last, after any warnings. */
  static String lastLine(String text) {
    return SshFailure.lastLine(text);
  }

  private static String drain(Process p) {
    try (InputStream err = p.getErrorStream()) {
      byte[] kept = err.readNBytes(MAX_STDERR_CHARS);
      err.transferTo(OutputStream.nullOutputStream());
      return new String(kept, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static int waitFor(Process p) throws InterruptedIOException {
    try {
      return p.waitFor();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading a card over ssh");
    }
  }

  /** A failure of the tar stream itself, told apart from the receiver's own (disk full...). */
  private static final class RemoteReadException extends IOException {
    private static final long serialVersionUID = 1L;

    RemoteReadException(String message) {
      super(message);
    }

    RemoteReadException(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  /**
   * Tags every failure of reading a member (ssh's output broke off, the tar stream is truncated),
   * so the receiver's own failures (a full repository) pass unchanged. Closing it leaves the tar
   * stream open for the next member.
   */
  private static final class Tagging extends FilterInputStream {
    Tagging(InputStream in) {
      super(in);
    }

    @Override
    public void close() {
      // the tar stream belongs to the reader
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (RemoteReadException e) {
        throw e;
      } catch (IOException e) {
        throw new RemoteReadException(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (RemoteReadException e) {
        throw e;
      } catch (IOException e) {
        throw new RemoteReadException(e);
      }
    }
  }
}
