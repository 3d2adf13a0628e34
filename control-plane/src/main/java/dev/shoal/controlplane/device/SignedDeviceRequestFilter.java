package dev.shoal.controlplane.device;

import dev.shoal.controlplane.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Authenticates {@code /api/v1/device/**} (except enrolment, which proves the key it brings): the
 * request must carry a valid signature of a live device. The body is read once here (device bodies
 * are small, at most 1 MiB) so that its hash can be checked, and handed on unchanged. The device is
 * put in the request attribute {@link #DEVICE_ATTRIBUTE}.
 */
final class SignedDeviceRequestFilter extends OncePerRequestFilter {

  static final String DEVICE_ATTRIBUTE = "shoal.device";
  private static final Logger log = LoggerFactory.getLogger(SignedDeviceRequestFilter.class);
  private static final int MAX_BODY = 1 << 20;

  private final DeviceSignatures signatures;
  private final JsonMapper json;

  SignedDeviceRequestFilter(DeviceSignatures signatures, JsonMapper json) {
    this.signatures = signatures;
    this.json = json;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    return !path.startsWith("/api/v1/device/") || path.equals("/api/v1/device/enrol");
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    byte[] body = request.getInputStream().readNBytes(MAX_BODY + 1);
    if (body.length > MAX_BODY) {
      refuse(request, response, HttpStatus.PAYLOAD_TOO_LARGE, "Device request body over 1 MiB");
      return;
    }
    Devices.Device device;
    try {
      device = signatures.verifyEnrolled(request, body);
    } catch (DeviceSignatures.Refused e) {
      refuse(request, response, HttpStatus.UNAUTHORIZED, e.getMessage());
      return;
    }
    request.setAttribute(DEVICE_ATTRIBUTE, device);
    chain.doFilter(new CachedBody(request, body), response);
  }

  private void refuse(
      HttpServletRequest request, HttpServletResponse response, HttpStatus status, String detail)
      throws IOException {
    Problems.refuse(request, response, status, detail, json, log);
  }

  /** The request with its body replayed from memory. */
  private static final class CachedBody extends HttpServletRequestWrapper {
    private final byte[] body;

    CachedBody(HttpServletRequest request, byte[] body) {
      super(request);
      this.body = body;
    }

    @Override
    public ServletInputStream getInputStream() {
      InputStream in = new ByteArrayInputStream(body);
      return new ServletInputStream() {
        @Override
        public int read() throws IOException {
          return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          return in.read(b, off, len);
        }

        @Override
        public boolean isFinished() {
          return false;
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          throw new UnsupportedOperationException();
        }
      };
    }

    @Override
    public java.io.BufferedReader getReader() {
      return new java.io.BufferedReader(
          new java.io.InputStreamReader(getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public int getContentLength() {
      return body.length;
    }

    @Override
    public long getContentLengthLong() {
      return body.length;
    }
  }
}
