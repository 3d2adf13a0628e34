package dev.shoal.agent.install;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Copy-on-write clones of whole files ({@code ioctl(FICLONE)}: XFS with reflink, btrfs), so that a
 * large file with a few changed regions costs only those regions. Linux only; everywhere else, and
 * on file systems that cannot clone (ext4), {@link #tryClone} says no and the caller copies.
 */
final class FileClone {
  /** {@code _IOW(0x94, 9, int)} from linux/fs.h. */
  private static final long FICLONE = 0x40049409L;

  private static final int O_RDONLY = 0;
  private static final int O_WRONLY = 1;
  private static final int O_CREAT = 0100;
  private static final int O_EXCL = 0200;

  private FileClone() {}

  /** JNA binds the interface to libc; it cannot be a class. */
  interface LibC extends Library {
    int open(String path, int flags, int mode);

    int ioctl(int fd, NativeLong request, int srcFd);

    int close(int fd);
  }

  private static final class Holder {
    static final LibC LIBC = Native.load("c", LibC.class);
  }

  /**
   * Creates {@code target} (which must not exist) as a clone of {@code source}, sharing its blocks.
   * Returns false, leaving no {@code target} behind, when the platform or file system cannot.
   */
  static boolean tryClone(Path source, Path target) {
    if (!Platform.isLinux()) {
      return false;
    }
    LibC libc;
    try {
      libc = Holder.LIBC;
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return false;
    }
    int src = libc.open(source.toString(), O_RDONLY, 0);
    if (src < 0) {
      return false;
    }
    try {
      int dst = libc.open(target.toString(), O_WRONLY | O_CREAT | O_EXCL, 0600);
      if (dst < 0) {
        return false;
      }
      int result = libc.ioctl(dst, new NativeLong(FICLONE), src);
      libc.close(dst);
      if (result != 0) {
        try {
          Files.deleteIfExists(target);
        } catch (IOException e) {
          // an empty file named like a work file; removed with the work directory
        }
        return false;
      }
      return true;
    } finally {
      libc.close(src);
    }
  }
}
