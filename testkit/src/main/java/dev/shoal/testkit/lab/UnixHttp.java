package dev.shoal.testkit.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * HTTP/1.1 over a Unix socket. An agent's local API listens on 127.0.0.1 of its home's namespace,
 * which this JVM cannot reach; a relay in that namespace exposes it as a socket file (files are
 * shared between namespaces), and the test talks to it here, one request per connection.
 */
final class UnixHttp {
  /** An answer: status and body. */
  record Answer(int status, String body) {}

  private UnixHttp() {}

  static Answer send(
      Path socket, String hostHeader, String token, String method, String path, String json) {
    byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(hostHeader).append("\r\n");
    head.append("Authorization: Bearer ").append(token).append("\r\n");
    head.append("Connection: close\r\n");
    if (json != null) {
      head.append("Content-Type: application/json\r\n");
    }
    head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.UTF_8)));
      ch.write(ByteBuffer.wrap(body));
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      ByteBuffer buf = ByteBuffer.allocate(16384);
      while (ch.read(buf) >= 0) {
        all.write(buf.array(), 0, buf.position());
        buf.clear();
      }
      return parse(all.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException("local API via " + socket + ": " + method + " " + path, e);
    }
  }

  private static Answer parse(byte[] raw) {
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new LabException("no HTTP answer from the local API relay: " + text);
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    boolean chunked = false;
    for (String line : lines) {
      String l = line.toLowerCase(Locale.ROOT);
      chunked |= l.startsWith("transfer-encoding:") && l.contains("chunked");
    }
    byte[] rest = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
    return new Answer(status, new String(chunked ? unchunk(rest) : rest, StandardCharsets.UTF_8));
  }

  private static byte[] unchunk(byte[] in) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < in.length) {
      int lineEnd = i;
      while (lineEnd + 1 < in.length && !(in[lineEnd] == '\r' && in[lineEnd + 1] == '\n')) {
        lineEnd++;
      }
      String size = new String(in, i, lineEnd - i, StandardCharsets.ISO_8859_1).split(";")[0];
      int n = Integer.parseInt(size.strip(), 16);
      if (n == 0) {
        break;
      }
      out.write(in, lineEnd + 2, n);
      i = lineEnd + 2 + n + 2;
    }
    return out.toByteArray();
  }
}
