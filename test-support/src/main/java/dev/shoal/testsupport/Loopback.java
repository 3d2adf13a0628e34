package dev.shoal.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Addresses on 127.0.0.1, where every test's servers and peers listen. */
public final class Loopback {

  private Loopback() {}

  /** A TCP port free a moment ago (another process may take it before the caller binds it). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static InetSocketAddress address(int port) {
    return new InetSocketAddress("127.0.0.1", port);
  }
}
