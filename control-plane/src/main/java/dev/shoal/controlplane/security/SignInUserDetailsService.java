package dev.shoal.controlplane.security;

import dev.shoal.controlplane.identity.Caller;
import dev.shoal.controlplane.user.Users;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.stereotype.Service;

/** Looks up dashboard users for form sign-in. */
@Service
class SignInUserDetailsService implements UserDetailsService {

  private final Users users;

  SignInUserDetailsService(Users users) {
    this.users = users;
  }

  @Override
  public UserDetails loadUserByUsername(String username) {
    return users
        .findForSignIn(username)
        .map(
            a ->
                new SessionUser(
                    new Caller(
                        Caller.Kind.USER, a.id(), a.username(), a.organisationId(), a.role()),
                    a.passwordHash()))
        .orElseThrow(() -> new UsernameNotFoundException("No such user"));
  }
}
