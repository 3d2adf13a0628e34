package dev.shoal.agent.install;

import dev.shoal.agent.controlplane.ControlPlane;
import dev.shoal.agent.controlplane.ControlPlaneException;
import dev.shoal.protocol.crypto.ChunkCipher;
import dev.shoal.protocol.pack.PackLayout;
import java.io.IOException;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/**
 * Chunks fetched one by one as byte ranges of a pack from the origin, for repairs: only the chunks
 * of damaged files cross the network. The installer checks each plaintext against its id, and the
 * GCM tag checks the ciphertext, so the origin is not trusted either.
 */
final class OriginChunkSource implements ChunkSource {
  private final ControlPlane cp;
  private final URI packUrl;
  private final Map<String, PackLayout.Slot> slots = new HashMap<>();
  private final ChunkCipher cipher;

  OriginChunkSource(ControlPlane cp, URI packUrl, PackLayout layout, byte[] contentKey) {
    this.cp = cp;
    this.packUrl = packUrl;
    for (PackLayout.Slot s : layout.slots()) {
      slots.put(s.chunkId(), s);
    }
    this.cipher = new ChunkCipher(contentKey);
  }

  @Override
  public byte[] chunk(String chunkId) throws IOException {
    PackLayout.Slot slot = slots.get(chunkId);
    if (slot == null) {
      throw new IOException("chunk " + chunkId + " is not in the release's full pack");
    }
    try {
      return cipher.decrypt(chunkId, cp.range(packUrl, slot.offset(), slot.encryptedSize()));
    } catch (ControlPlaneException e) {
      throw new IOException(e.getMessage(), e);
    }
  }
}
