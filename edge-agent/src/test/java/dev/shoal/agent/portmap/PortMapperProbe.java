package dev.shoal.agent.portmap;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Run inside a home namespace by {@link PortMappingLabTest}: listens on a TCP port (answering
 * "shoal" to whoever connects), maps it with a {@link PortMapper} and prints what the engine would
 * announce ("announce PORT") and the status; on stdin "withdraw" stops wanting the mapping (as a
 * consent withdrawal does), "exit" closes the mapper and exits.
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
        : m.protocol() + ", external port " + m.externalPort() + ", lease " + m.leaseSeconds();
  }
}
