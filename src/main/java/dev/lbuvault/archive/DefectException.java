package dev.lbuvault.archive;

import java.io.IOException;

/**
 * A defect found deep inside the stream stack. It is an IOException only so that it can travel up
 * through commons-compress, which declares nothing else; {@link ApkovlValidator} turns it into an
 * {@link InvalidApkovlException}.
 */
final class DefectException extends IOException {
  private static final long serialVersionUID = 1L;

  static final String DAMAGED = "the file is damaged; run lbu commit again";
  static final String UNSAFE = "refusing an archive that could write outside its target directory";
  static final String DANGEROUS =
      "refusing an archive that extracting as root at boot would make dangerous";
  static final String NOT_APKOVL = "this file was not written by lbu";

  private final String defect;
  private final String advice;

  DefectException(String defect, String advice) {
    super(defect);
    this.defect = defect;
    this.advice = advice;
  }

  String defect() {
    return defect;
  }

  String advice() {
    return advice;
  }
}
