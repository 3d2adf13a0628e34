package dev.shoal.agent.install;

import dev.shoal.agent.controlplane.ControlPlaneException;
import java.io.IOException;
import java.nio.file.FileSystemException;

/**
 * Why an install, update, verify, repair or enrolment failed, with a stable code and whether
 * retrying can help. The one failure type from the installer up to the local API, which answers
 * with the problem of the same code.
 */
public final class InstallException extends Exception {
  /** Stable error codes, shared with the local API and the SDK. */
  public enum Code {
    /** The agent has not enrolled with a control plane yet. */
    NOT_ENROLLED(false),
    /** The control plane or origin could not be reached or failed, or a chunk is unavailable. */
    NETWORK(true),
    /** The device is not entitled to the product, or was revoked. */
    ENTITLEMENT(false),
    /** The channel has no release for this device. */
    NO_RELEASE(true),
    /**
     * The manifest, a trust-root rotation or a torrent failed verification, or a release is for
     * another product or channel than the installer's.
     */
    SIGNATURE(false),
    /**
     * Downloaded or installed data does not match its hashes (bad source, tampering, corruption).
     */
    INTEGRITY(false),
    /** The disk is full; retryable once space is freed. */
    DISK_FULL(true),
    /** A path is too long for the file system. */
    PATH_TOO_LONG(false),
    /** A manifest path would leave the install directory, or the directory is unusable. */
    UNSAFE_PATH(false),
    /** Another install of the same product and channel uses another directory. */
    CONFLICT(false),
    /** A first install into a directory that already holds files Shoal did not write. */
    DIRECTORY_NOT_EMPTY(false),
    CANCELLED(false),
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

  /** Classifies a failed control-plane call (an install's, or an enrolment's). */
  public static InstallException fromControlPlane(ControlPlaneException e) {
    if (e.notEntitled()) {
      return new InstallException(Code.ENTITLEMENT, e.getMessage(), e);
    }
    if (e.status() == 404) {
      return new InstallException(Code.NO_RELEASE, e.getMessage(), e);
    }
    if (e.status() == 401) {
      return new InstallException(
          Code.ENTITLEMENT, "the control plane does not accept this device: " + e.getMessage(), e);
    }
    return new InstallException(e.retryable() ? Code.NETWORK : Code.IO, e.getMessage(), e);
  }
}
