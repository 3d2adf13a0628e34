package dev.shoal.controlplane.security;

import dev.shoal.controlplane.apikey.ApiKeys;
import dev.shoal.controlplane.identity.Caller;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code Authorization: Bearer shoal_...} requests. Stateless: the security context
 * is set for this request and never saved to a session. A bearer header that is not a live key is
 * rejected here with 401, never passed on to be judged by a session cookie that may come with it.
 */
final class ApiKeyAuthenticationFilter extends OncePerRequestFilter {

  private static final String BEARER = "Bearer ";

  private final ApiKeys apiKeys;
  private final AuthenticationEntryPoint entryPoint;
  private final SecurityContextHolderStrategy contexts =
      SecurityContextHolder.getContextHolderStrategy();

  ApiKeyAuthenticationFilter(ApiKeys apiKeys, AuthenticationEntryPoint entryPoint) {
    this.apiKeys = apiKeys;
    this.entryPoint = entryPoint;
  }

  static boolean hasBearer(HttpServletRequest request) {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    return header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length());
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !hasBearer(request) || !PathRules.acceptsApiKeys(request);
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String token = request.getHeader(HttpHeaders.AUTHORIZATION).substring(BEARER.length()).trim();
    Optional<Caller> caller = apiKeys.authenticate(token);
    if (caller.isEmpty()) {
      contexts.clearContext();
      entryPoint.commence(
          request, response, new BadCredentialsException("Invalid or revoked API key"));
      return;
    }
    SecurityContext context = contexts.createEmptyContext();
    context.setAuthentication(new ApiKeyAuthentication(caller.get()));
    contexts.setContext(context);
    chain.doFilter(request, response);
  }
}
