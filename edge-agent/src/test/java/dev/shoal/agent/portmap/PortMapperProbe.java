package dev.shoal.agent.portmap;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Run inside a home namespace by {@link PortMappingLabTest}: listens on a TCP port (answering
 * "shoal" to whoever connects) and on the same UDP port (answering "shoal" to any datagram), maps
 * them with a {@link PortMapper} (UDP too) and prints what the engine would announce ("announce
 * PORT") and the status; on stdin "withdraw" stops wanting the mapping (as a consent withdrawal
 * does), "exit" closes the mapper and exits.
 *
 * <p>Arguments: lease seconds, and "upnp" to skip NAT-PMP (no routing table given to it).
 */
public final class PortMapperProbe {
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    long lease = Long.parseLong(args[0]);
    Path routes =
        args.length > 1 && args[1].equals("upnp")
            ? Path.of("/nonexistent")
            : Path.of("/proc/net/route");
    ServerSocket server = new ServerSocket(0);
    int port = server.getLocalPort();
    DatagramSocket udp = new DatagramSocket(port);
    Thread udpAnswers =
        new Thread(
            () -> {
              byte[] buf = new byte[64];
              byte[] answer = "shoal\n".getBytes(StandardCharsets.US_ASCII);
              while (true) {
                try {
                  DatagramPacket p = new DatagramPacket(buf, buf.length);
                  udp.receive(p);
                  udp.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
                } catch (Exception e) {
                  return;
                }
              }
            });
    udpAnswers.setDaemon(true);
    udpAnswers.start();
    Thread acceptor =
        new Thread(
            () -> {
              while (true) {
                try (Socket s = server.accept()) {
                  OutputStream o = s.getOutputStream();
                  o.write("shoal\n".getBytes(StandardCharsets.US_ASCII));
                  o.flush();
                } catch (Exception e) {
                  return;
                }
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
    PortMapper mapper =
        new PortMapper(
            true,
            true,
            p -> out.println("announce " + p),
            Clock.systemUTC(),
            Duration.ofSeconds(lease),
            routes);
    out.println("listening " + port);
    mapper.want(true, port);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      switch (line.trim()) {
        case "status" -> out.println("status " + describe(mapper.status()));
        case "withdraw" -> {
          mapper.want(false, port);
          out.println("withdrawn");
        }
        case "grant" -> mapper.want(true, port);
        case "exit" -> {
          mapper.close();
          out.println("closed");
          System.exit(0);
        }
        default -> out.println("unknown " + line);
      }
    }
    mapper.close();
  }

  private static String describe(PortMapper.Mapping m) {
    return m.protocol() == null
        ? "none (" + m.whyNone() + ")"
        : m.protocol()
            + ", external port "
            + m.externalPort()
            + ", lease "
            + m.leaseSeconds()
            + (m.udp() ? ", udp" : ", tcp only");
  }
}
