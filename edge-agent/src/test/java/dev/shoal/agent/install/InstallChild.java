package dev.shoal.agent.install;

import dev.shoal.agent.fs.DataDir;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.manifest.ReleaseManifest;
import dev.shoal.protocol.pack.PackLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child JVM of {@link InstallCrashTest}: installs one release from a full pack. Args: data dir,
 * install dir, manifest file, pack file, {@code install} or {@code recover}. With {@code
 * SHOAL_CRASH_AT=n} it halts at step n.
 */
public final class InstallChild {
  private InstallChild() {}

  public static void main(String[] args) throws Exception {
    DataDir data = DataDir.open(Path.of(args[0]));
    ReleaseManifest m = ManifestCodec.parse(Files.readAllBytes(Path.of(args[2])));
    Installer installer = new Installer(data, Path.of(args[1]), m.product(), m.channel());
    if (args.length > 4 && args[4].equals("recover")) {
      System.out.println("recovery=" + installer.recover());
      return;
    }
    try (ChunkSource src = ChunkSource.fromPack(Path.of(args[3]), PackLayout.full(m), Build.KEY)) {
      installer.install(m, src);
    }
    System.out.println("steps=" + CrashPoints.reached() + " cloned=" + installer.clonedFiles());
  }
}
