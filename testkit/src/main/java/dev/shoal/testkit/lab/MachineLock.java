package dev.shoal.testkit.lab;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * One lab at a time on a machine: every lab uses the same addresses (and this JVM's namespace gets
 * 198.51.100.254), so a second run, in this JVM or another, waits for the first. A file lock: the
 * kernel releases it when its JVM dies, however it dies.
 */
final class MachineLock implements AutoCloseable {
  static final Path FILE = Path.of(System.getProperty("java.io.tmpdir"), "shoal-lab.lock");

  private final FileChannel channel;
  private FileLock lock;

  private MachineLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static MachineLock acquire(Duration wait) {
    long end = System.nanoTime() + wait.toNanos();
    try {
      FileChannel channel =
          FileChannel.open(FILE, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      while (true) {
        FileLock lock;
        try {
          lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
          lock = null; // another lab of this JVM holds it
        }
        if (lock != null) {
          return new MachineLock(channel, lock);
        }
        if (System.nanoTime() > end) {
          channel.close();
          throw new LabException("another lab run held " + FILE + " for more than " + wait);
        }
        Lab.sleep(500);
      }
    } catch (IOException e) {
      throw new LabException("could not lock " + FILE, e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      if (lock != null) {
        lock.release();
        lock = null;
      }
      channel.close();
    } catch (IOException e) {
      // The lock goes with the channel, or with the JVM.
    }
  }
}
