package dev.shoal.swarm;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.util.Random;

/**
 * A real UDP hop between a uTP client and server on loopback that drops, reorders and duplicates
 * datagrams at the given rates (seeded, so a failure can be replayed). The client sends to {@link
 * #port()}; the relay forwards to the server from a socket of its own and back.
 */
final class UdpRelay implements AutoCloseable {
  private final DatagramSocket front;
  private final DatagramSocket back;
  private final InetSocketAddress server;

  /** Can be raised mid-test (1.0: a black hole). */
  volatile double drop;

  /** While set, what the server sends is held back; all of it goes out once cleared. */
  volatile boolean holdReplies;

  private final double reorder;
  private final double duplicate;
  private volatile SocketAddress client;
  private volatile boolean running = true;
  private final Thread up;
  private final Thread down;
  volatile long dropped;

  UdpRelay(InetSocketAddress server, double drop, double reorder, double duplicate, long seed)
      throws IOException {
    this.server = server;
    this.drop = drop;
    this.reorder = reorder;
    this.duplicate = duplicate;
    front = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    back = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    front.setSoTimeout(100);
    back.setSoTimeout(100);
    front.setReceiveBufferSize(4 << 20);
    back.setReceiveBufferSize(4 << 20);
    up = new Thread(() -> forward(front, back, true, new Random(seed)), "relay-up");
    down = new Thread(() -> forward(back, front, false, new Random(seed + 1)), "relay-down");
    up.setDaemon(true);
    down.setDaemon(true);
    up.start();
    down.start();
  }

  int port() {
    return front.getLocalPort();
  }

  private void forward(DatagramSocket from, DatagramSocket to, boolean toServer, Random r) {
    byte[] buf = new byte[65536];
    DatagramPacket held = null;
    java.util.ArrayDeque<DatagramPacket> heldBack = new java.util.ArrayDeque<>();
    while (running) {
      try {
        while (!toServer && !holdReplies && !heldBack.isEmpty()) {
          to.send(heldBack.poll());
        }
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          from.receive(p);
        } catch (SocketTimeoutException e) {
          if (held != null) {
            to.send(held);
            held = null;
          }
          continue;
        }
        if (toServer) {
          client = p.getSocketAddress();
        }
        SocketAddress dest = toServer ? server : client;
        if (dest == null) {
          continue;
        }
        DatagramPacket out =
            new DatagramPacket(
                java.util.Arrays.copyOf(p.getData(), p.getLength()), p.getLength(), dest);
        if (!toServer && holdReplies) {
          heldBack.add(out);
          continue;
        }
        double x = r.nextDouble();
        if (x < drop) {
          dropped++;
          continue;
        }
        if (held == null && x < drop + reorder) {
          held = out; // goes out after the next one
          continue;
        }
        to.send(out);
        if (x > 1 - duplicate) {
          to.send(out);
        }
        if (held != null) {
          to.send(held);
          held = null;
        }
      } catch (IOException e) {
        if (running) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    up.join(2000);
    down.join(2000);
    front.close();
    back.close();
  }
}
