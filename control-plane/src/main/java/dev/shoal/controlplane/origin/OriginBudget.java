package dev.shoal.controlplane.origin;

import dev.shoal.controlplane.config.ShoalProperties;
import dev.shoal.swarm.UploadBudget;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import org.springframework.core.io.FileSystemResource;
import org.springframework.stereotype.Component;

/**
 * The origin's one upload budget, {@code shoal.origin.upload-cap}: the BitTorrent seeder and the
 * HTTP packs draw from the same token bucket, so the publisher's egress rate is what the operator
 * set whichever way players fetch. (The cap once held only the seeder: the HTTP origin could add
 * its own rate on top.)
 */
@Component
class OriginBudget {
  private final UploadBudget budget;

  @org.springframework.beans.factory.annotation.Autowired
  OriginBudget(ShoalProperties properties) {
    this(UploadBudget.of(properties.origin().uploadCap().toBytes()));
  }

  OriginBudget(UploadBudget budget) {
    this.budget = budget;
  }

  UploadBudget budget() {
    return budget;
  }

  /** A pack file whose bytes, as Spring MVC streams them (ranges included), pay the budget. */
  FileSystemResource pack(Path file) {
    if (budget.rate() == 0) {
      return new FileSystemResource(file);
    }
    return new FileSystemResource(file) {
      @Override
      public InputStream getInputStream() throws IOException {
        return new Budgeted(super.getInputStream());
      }
    };
  }

  /** Charges what is read; a skip (to the start of a range) reads nothing and costs nothing. */
  private final class Budgeted extends FilterInputStream {
    Budgeted(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        charge(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      if (n > 0) {
        charge(n);
      }
      return n;
    }

    /** Through {@link #read(byte[], int, int)}: a delegating transferTo would bypass the budget. */
    @Override
    public long transferTo(java.io.OutputStream out) throws IOException {
      byte[] buf = new byte[16 * 1024];
      long total = 0;
      int n;
      while ((n = read(buf, 0, buf.length)) > 0) {
        out.write(buf, 0, n);
        total += n;
      }
      return total;
    }

    private void charge(long bytes) throws IOException {
      try {
        budget.take(bytes);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("origin budget wait interrupted");
      }
    }
  }
}
