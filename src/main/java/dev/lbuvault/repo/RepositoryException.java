package dev.lbuvault.repo;

/**
 * The repository cannot be used as asked: it does not exist, is not an lbuvault repository, is
 * locked by another writer, or holds no such host or version. The message says which and what to
 * do.
 */
public class RepositoryException extends Exception {
  private static final long serialVersionUID = 1L;

  public RepositoryException(String message) {
    super(message);
  }

  public RepositoryException(String message, Throwable cause) {
    super(message, cause);
  }
}
