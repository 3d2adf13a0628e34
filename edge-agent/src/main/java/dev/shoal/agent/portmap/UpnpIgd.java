package dev.shoal.agent.portmap;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * A minimal UPnP IGD client: SSDP discovery (an M-SEARCH to 239.255.255.250:1900), the device
 * description (to find the WANIPConnection or WANPPPConnection control URL) and two SOAP actions,
 * AddPortMapping and DeletePortMapping. The router's GetExternalIPAddress is never asked: the
 * tracker's view of our address is the one that counts.
 */
final class UpnpIgd {

  private static final InetSocketAddress SSDP = new InetSocketAddress("239.255.255.250", 1900);
  private static final List<String> SERVICES =
      List.of(
          "urn:schemas-upnp-org:service:WANIPConnection:2",
          "urn:schemas-upnp-org:service:WANIPConnection:1",
          "urn:schemas-upnp-org:service:WANPPPConnection:1");
  // Descriptions and SOAP answers of home routers are a few KiB; anything far larger is not one.
  private static final int MAX_BODY = 256 * 1024;
  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(3);

  private final URI control;
  private final String service;
  private final InetAddress router;
  private final HttpClient http;

  private UpnpIgd(URI control, String service, InetAddress router, HttpClient http) {
    this.control = control;
    this.service = service;
    this.router = router;
    this.http = http;
  }

  InetAddress router() {
    return router;
  }

  /**
   * Looks for an Internet gateway device for up to {@code wait}, giving up early when {@code
   * cancelled} says so; null if none answered with a usable description.
   */
  static UpnpIgd discover(Duration wait, BooleanSupplier cancelled) throws IOException {
    String search =
        "M-SEARCH * HTTP/1.1\r\n"
            + "HOST: 239.255.255.250:1900\r\n"
            + "MAN: \"ssdp:discover\"\r\n"
            + "MX: 2\r\n"
            + "ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n\r\n";
    byte[] out = search.getBytes(StandardCharsets.US_ASCII);
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(HTTP_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.send(new DatagramPacket(out, out.length, SSDP));
      long end = System.nanoTime() + wait.toNanos();
      byte[] buf = new byte[2048];
      int resent = 0;
      while (System.nanoTime() < end && !cancelled.getAsBoolean()) {
        socket.setSoTimeout(100);
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          socket.receive(p);
        } catch (SocketTimeoutException e) {
          // UDP may lose the search: once more after half a second.
          if (resent++ == 5) {
            socket.send(new DatagramPacket(out, out.length, SSDP));
          }
          continue;
        }
        URI location =
            location(
                new String(buf, 0, p.getLength(), StandardCharsets.ISO_8859_1), p.getAddress());
        if (location == null) {
          continue;
        }
        UpnpIgd igd = describe(location, p.getAddress(), http);
        if (igd != null) {
          return igd;
        }
      }
    }
    return null;
  }

  /**
   * The LOCATION of an SSDP answer, only if it is plain http on the host that answered: a device on
   * the LAN must not send us fetching from elsewhere.
   */
  static URI location(String answer, InetAddress from) {
    for (String line : answer.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("location")) {
        try {
          URI uri = URI.create(line.substring(colon + 1).trim());
          if ("http".equals(uri.getScheme())
              && uri.getHost() != null
              && InetAddress.getByName(uri.getHost()).equals(from)) {
            return uri;
          }
        } catch (IllegalArgumentException | IOException e) {
          return null;
        }
        return null;
      }
    }
    return null;
  }

  private static UpnpIgd describe(URI location, InetAddress router, HttpClient http) {
    try {
      HttpResponse<byte[]> r =
          http.send(
              HttpRequest.newBuilder(location).timeout(HTTP_TIMEOUT).GET().build(),
              HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200 || r.body().length > MAX_BODY) {
        return null;
      }
      Document doc = parse(r.body());
      NodeList services = doc.getElementsByTagNameNS("*", "service");
      for (String wanted : SERVICES) {
        for (int i = 0; i < services.getLength(); i++) {
          Element s = (Element) services.item(i);
          if (wanted.equals(text(s, "serviceType"))) {
            String path = text(s, "controlURL");
            if (path == null) {
              continue;
            }
            URI control = location.resolve(path);
            // The control URL must stay on the router, like the description.
            if (!"http".equals(control.getScheme())
                || !InetAddress.getByName(control.getHost()).equals(router)) {
              return null;
            }
            return new UpnpIgd(control, wanted, router, http);
          }
        }
      }
      return null;
    } catch (IOException | RuntimeException | SAXException | ParserConfigurationException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Maps external {@code externalPort} to {@code internalClient:internalPort}. */
  void addPortMapping(
      IpProtocol protocol,
      int externalPort,
      InetAddress internalClient,
      int internalPort,
      long leaseSeconds)
      throws IOException {
    soap(
        "AddPortMapping",
        "<NewRemoteHost></NewRemoteHost>"
            + "<NewExternalPort>"
            + externalPort
            + "</NewExternalPort>"
            + "<NewProtocol>"
            + protocol
            + "</NewProtocol>"
            + "<NewInternalPort>"
            + internalPort
            + "</NewInternalPort>"
            + "<NewInternalClient>"
            + internalClient.getHostAddress()
            + "</NewInternalClient>"
            + "<NewEnabled>1</NewEnabled>"
            + "<NewPortMappingDescription>Shoal</NewPortMappingDescription>"
            + "<NewLeaseDuration>"
            + leaseSeconds
            + "</NewLeaseDuration>");
  }

  void deletePortMapping(IpProtocol protocol, int externalPort) throws IOException {
    soap(
        "DeletePortMapping",
        "<NewRemoteHost></NewRemoteHost>"
            + "<NewExternalPort>"
            + externalPort
            + "</NewExternalPort>"
            + "<NewProtocol>"
            + protocol
            + "</NewProtocol>");
  }

  /** A refusal by the router, with the UPnP error code (718: port taken; 725: leases unknown). */
  static final class UpnpError extends IOException {
    final int code;

    UpnpError(int code, String text) {
      super("UPnP error " + code + (text == null ? "" : " (" + text + ")"));
      this.code = code;
    }
  }

  private void soap(String action, String arguments) throws IOException {
    String body =
        "<?xml version=\"1.0\"?>\r\n"
            + "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\""
            + " s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\">"
            + "<s:Body><u:"
            + action
            + " xmlns:u=\""
            + service
            + "\">"
            + arguments
            + "</u:"
            + action
            + "></s:Body></s:Envelope>\r\n";
    HttpResponse<byte[]> r;
    try {
      r =
          http.send(
              HttpRequest.newBuilder(control)
                  .timeout(HTTP_TIMEOUT)
                  .header("Content-Type", "text/xml; charset=\"utf-8\"")
                  .header("SOAPAction", "\"" + service + "#" + action + "\"")
                  .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (r.statusCode() == 200) {
      return;
    }
    int code = -1;
    String text = null;
    try {
      if (r.body().length <= MAX_BODY) {
        Document doc = parse(r.body());
        Element root = doc.getDocumentElement();
        String c = text(root, "errorCode");
        text = text(root, "errorDescription");
        code = c == null ? -1 : Integer.parseInt(c.trim());
      }
    } catch (SAXException | ParserConfigurationException | NumberFormatException e) {
      // no readable error: the HTTP status says enough
    }
    if (code < 0) {
      throw new IOException("UPnP " + action + ": HTTP " + r.statusCode());
    }
    throw new UpnpError(code, text);
  }

  /** XML from a device on the LAN: no DTDs, no external entities. */
  private static Document parse(byte[] xml)
      throws ParserConfigurationException, SAXException, IOException {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    f.setXIncludeAware(false);
    f.setExpandEntityReferences(false);
    return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
  }

  private static String text(Element parent, String localName) {
    NodeList n = parent.getElementsByTagNameNS("*", localName);
    return n.getLength() == 0 ? null : n.item(0).getTextContent().trim();
  }

  @Override
  public String toString() {
    return "UPnP IGD "
        + service
            .substring(service.lastIndexOf(':', service.length() - 3) + 1)
            .toLowerCase(Locale.ROOT)
        + " at "
        + control;
  }
}
