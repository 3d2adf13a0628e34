package dev.shoal.agent.install;

import java.io.IOException;
import java.nio.file.FileSystemException;

/** An install, recovery or repair that failed, with a stable code and whether retrying may help. */
public final class InstallException extends Exception {
  /** What went wrong. */
  public enum Code {
    /** The disk is full; retryable once space is freed. */
    DISK_FULL(true),
    /** A path is too long for the file system. */
    PATH_TOO_LONG(false),
    /** A chunk or file does not match its hash (bad source, tampering, corruption). */
    INTEGRITY(false),
    /** A manifest path would leave the install directory. */
    UNSAFE_PATH(false),
    /** The manifest is for another product or channel than this installer. */
    WRONG_RELEASE(false),
    /** A chunk could not be obtained from the source. */
    CHUNK_UNAVAILABLE(true),
    /** Any other I/O failure. */
    IO(true);

    private final boolean retryable;

    Code(boolean retryable) {
      this.retryable = retryable;
    }

    public boolean retryable() {
      return retryable;
    }
  }

  private final Code code;

  InstallException(Code code, String message) {
    super(message);
    this.code = code;
  }

  InstallException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }

  public boolean retryable() {
    return code.retryable();
  }

  /** Classifies an I/O failure: disk full, path too long, or plain I/O. */
  static InstallException fromIo(String what, IOException e) {
    String msg = String.valueOf(e.getMessage());
    String reason = e instanceof FileSystemException fse ? String.valueOf(fse.getReason()) : msg;
    if (msg.contains("No space left on device")
        || reason.contains("No space left on device")
        || msg.contains("There is not enough space on the disk")) {
      return new InstallException(Code.DISK_FULL, what + ": disk full; free space and retry", e);
    }
    if (msg.contains("File name too long")
        || reason.contains("File name too long")
        || msg.contains("filename or extension is too long")) {
      return new InstallException(Code.PATH_TOO_LONG, what + ": path too long", e);
    }
    return new InstallException(Code.IO, what + ": " + msg, e);
  }
}
