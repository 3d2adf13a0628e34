package dev.shoal.controlplane.security;

import dev.shoal.controlplane.identity.Caller;
import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** A request authenticated by an API key; lives for that request only. */
final class ApiKeyAuthentication extends AbstractAuthenticationToken {

  private final Caller caller;

  ApiKeyAuthentication(Caller caller) {
    super(List.of(new SimpleGrantedAuthority(caller.role().authority())));
    this.caller = caller;
    setAuthenticated(true);
  }

  @Override
  public Object getCredentials() {
    return "";
  }

  @Override
  public Caller getPrincipal() {
    return caller;
  }
}
