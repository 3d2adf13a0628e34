package dev.shoal.controlplane.config;

import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The URLs handed to devices (tracker announce, web seed). Resolved on use: the port is known only
 * once the web server has started.
 */
@Component
public class PublicUrls {

  private final ShoalProperties properties;
  private final Environment environment;

  PublicUrls(ShoalProperties properties, Environment environment) {
    this.properties = properties;
    this.environment = environment;
  }

  /** The base URL, ending in a slash. */
  public String base() {
    return properties.baseUrl(
        Integer.parseInt(environment.getProperty("local.server.port", "8080")));
  }

  /** The announce URL written into torrents; devices get their own with their passkey. */
  public String genericAnnounce() {
    return base() + "announce";
  }

  public String announce(String passkey) {
    return base() + passkey + "/announce";
  }

  public String webSeed(String passkey, String infoHash) {
    return base() + "origin/" + passkey + "/packs/" + infoHash;
  }
}
