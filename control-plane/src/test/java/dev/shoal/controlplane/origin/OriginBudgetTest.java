package dev.shoal.controlplane.origin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.swarm.UploadBudget;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP origin's pack bytes pay the origin's one budget (shared with the seeder): a whole pack
 * and a range are paced at the budget's rate, and skipping to a range's start costs nothing.
 */
class OriginBudgetTest {
  @TempDir Path dir;

  @Test
  void packBytesArePacedByTheBudgetAndSkipsAreFree() throws Exception {
    Path pack = dir.resolve("p.pack");
    Files.write(pack, new byte[3_000_000]);
    UploadBudget budget = UploadBudget.of(2_000_000);
    OriginBudget origin = new OriginBudget(budget);

    long start = System.nanoTime();
    try (InputStream in = origin.pack(pack).getInputStream()) {
      assertThat(in.transferTo(OutputStream.nullOutputStream())).isEqualTo(3_000_000);
    }
    double whole = (System.nanoTime() - start) / 1e9;

    start = System.nanoTime();
    try (InputStream in = origin.pack(pack).getInputStream()) {
      in.skipNBytes(2_000_000); // what Spring does to reach a range's first byte
      assertThat(in.readNBytes(1_000_000)).hasSize(1_000_000);
    }
    double range = (System.nanoTime() - start) / 1e9;

    System.out.printf(
        "3 MB took %.2f s, a 1 MB range after 2 MB %.2f s, at 2 MB/s%n", whole, range);
    assertThat(whole).as("3 MB at 2 MB/s").isBetween(1.3, 3.0);
    assertThat(range).as("1 MB at 2 MB/s, the skip free").isBetween(0.3, 1.0);
  }

  @Test
  void noCapMeansThePlainFile() throws Exception {
    Path pack = Files.write(dir.resolve("q.pack"), new byte[10]);
    assertThat(new OriginBudget(UploadBudget.of(0)).pack(pack).getClass())
        .isEqualTo(org.springframework.core.io.FileSystemResource.class);
  }
}
