package dev.shoal.agent.portmap;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A NAT-PMP client (RFC 6886) for one port, TCP or UDP: a 12-byte UDP request to the default
 * gateway's port 5351, a 16-byte answer. PCP routers (RFC 6887) answer version-0 requests too. Only
 * the mapped external port is used; the external address the router reports is not (behind double
 * NAT or CGNAT it is wrong: the tracker's view of our address is the one that counts).
 */
final class NatPmp {

  static final int PORT = 5351;
  // RFC 6886 3.1: 250 ms, doubling; we stop after three tries (1.75 s) instead of nine (64 s), so
  // that a router without NAT-PMP costs little at start.
  private static final int FIRST_WAIT_MILLIS = 250;
  private static final int TRIES = 3;

  private final InetAddress gateway;

  NatPmp(InetAddress gateway) {
    this.gateway = gateway;
  }

  InetAddress gateway() {
    return gateway;
  }

  /** The router's answer to a mapping request: the external port and the lease it granted. */
  record Granted(int externalPort, long lifetimeSeconds) {}

  /**
   * Maps {@code internalPort} for {@code protocol}, asking for {@code suggestedExternal} as the
   * external port, for {@code lifetime} seconds; 0 deletes the mapping. Throws when the router does
   * not answer or refuses.
   */
  Granted map(IpProtocol protocol, int internalPort, int suggestedExternal, long lifetimeSeconds)
      throws IOException {
    ByteBuffer req = ByteBuffer.allocate(12);
    req.put((byte) 0).put((byte) protocol.natPmpOpcode).putShort((short) 0);
    req.putShort((short) internalPort).putShort((short) suggestedExternal);
    req.putInt((int) lifetimeSeconds);
    ByteBuffer answer = exchange(req.array(), 16);
    int version = answer.get() & 0xff;
    int op = answer.get() & 0xff;
    int result = answer.getShort() & 0xffff;
    answer.getInt(); // seconds since the router's mapping table started
    int internal = answer.getShort() & 0xffff;
    int external = answer.getShort() & 0xffff;
    long lifetime = answer.getInt() & 0xffffffffL;
    if (version != 0 || op != 128 + protocol.natPmpOpcode || internal != internalPort) {
      throw new IOException("NAT-PMP: unexpected answer (op " + op + ")");
    }
    if (result != 0) {
      throw new IOException("NAT-PMP: the router refused (" + resultText(result) + ")");
    }
    return new Granted(external, lifetime);
  }

  private ByteBuffer exchange(byte[] request, int answerLength) throws IOException {
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.connect(new InetSocketAddress(gateway, PORT));
      byte[] buf = new byte[64];
      int wait = FIRST_WAIT_MILLIS;
      for (int i = 0; i < TRIES; i++) {
        socket.send(new DatagramPacket(request, request.length));
        socket.setSoTimeout(wait);
        try {
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          socket.receive(p);
          if (p.getLength() >= answerLength) {
            return ByteBuffer.wrap(buf, 0, p.getLength());
          }
        } catch (SocketTimeoutException e) {
          wait *= 2;
        }
      }
    }
    throw new IOException("NAT-PMP: no answer from " + gateway.getHostAddress());
  }

  private static String resultText(int code) {
    return switch (code) {
      case 1 -> "unsupported version";
      case 2 -> "not authorized";
      case 3 -> "network failure";
      case 4 -> "out of resources";
      case 5 -> "unsupported opcode";
      default -> "result " + code;
    };
  }

  /**
   * The IPv4 default gateway from Linux's routing table ({@code /proc/net/route}), or null where
   * there is none (other systems: then only UPnP is tried).
   */
  static InetAddress defaultGateway(Path routeTable) {
    List<String> lines;
    try {
      lines = Files.readAllLines(routeTable);
    } catch (IOException | RuntimeException e) {
      return null;
    }
    for (String line : lines) {
      String[] f = line.trim().split("\\s+");
      // Iface Destination Gateway Flags ...: the default route has destination 0, flag G (2).
      if (f.length > 3 && f[1].equals("00000000") && !f[2].equals("00000000")) {
        try {
          int flags = Integer.parseInt(f[3], 16);
          long gw = Long.parseLong(f[2], 16);
          if ((flags & 2) == 0) {
            continue;
          }
          // Little-endian hex of the address.
          byte[] a = {(byte) gw, (byte) (gw >> 8), (byte) (gw >> 16), (byte) (gw >> 24)};
          return InetAddress.getByAddress(a);
        } catch (NumberFormatException | IOException e) {
          return null;
        }
      }
    }
    return null;
  }
}
