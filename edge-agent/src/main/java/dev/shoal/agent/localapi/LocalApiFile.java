package dev.shoal.agent.localapi;

import dev.shoal.agent.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code <data dir>/local-api.json}, owner-only: how programs of the player's account find and
 * authenticate to the running agent. Other accounts cannot read it, so they cannot call the API.
 */
public record LocalApiFile(int port, String token, long pid) {
  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** Empty when no agent has published one (not running, or stopped cleanly). */
  public static Optional<LocalApiFile> read(Path file) {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Json.MAPPER.readValue(Files.readString(file), LocalApiFile.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
