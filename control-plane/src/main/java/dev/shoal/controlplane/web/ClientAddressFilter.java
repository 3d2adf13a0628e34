package dev.shoal.controlplane.web;

import dev.shoal.controlplane.config.ShoalProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Runs first on every request and makes {@code getRemoteAddr()} the client's address as {@link
 * ClientAddress} resolves it (forwarding headers count only from {@code shoal.trusted-proxies}).
 * Everything that reads the remote address (the tracker's peer address and locality, logs, the
 * security layer) therefore sees the same one.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class ClientAddressFilter extends OncePerRequestFilter {

  private final ClientAddress clientAddress;

  @Autowired
  ClientAddressFilter(ShoalProperties properties) {
    this(new ClientAddress(properties.trustedProxies()));
  }

  ClientAddressFilter(ClientAddress clientAddress) {
    this.clientAddress = clientAddress;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String remote = request.getRemoteAddr();
    String client = clientAddress.of(request);
    if (client.equals(remote)) {
      chain.doFilter(request, response);
      return;
    }
    chain.doFilter(
        new HttpServletRequestWrapper(request) {
          @Override
          public String getRemoteAddr() {
            return client;
          }

          @Override
          public String getRemoteHost() {
            return client;
          }
        },
        response);
  }
}
