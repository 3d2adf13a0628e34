package dev.shoal.controlplane.security;

import dev.shoal.controlplane.apikey.ApiKeys;
import dev.shoal.controlplane.config.ShoalProperties;
import org.springframework.boot.security.autoconfigure.web.servlet.PathRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.access.hierarchicalroles.RoleHierarchyImpl;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.savedrequest.HttpSessionRequestCache;
import org.springframework.security.web.util.matcher.RequestMatcher;
import tools.jackson.databind.json.JsonMapper;

/**
 * One filter chain for everything. People sign in with a form and get a session (CSRF token in the
 * XSRF-TOKEN cookie); programs send an API key as a bearer token (stateless, no CSRF). Roles nest:
 * ADMIN includes RELEASE_MANAGER includes VIEWER. Every path rule is here, in one place.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

  private static final RequestMatcher BEARER = ApiKeyAuthenticationFilter::hasBearer;
  private static final RequestMatcher BROWSER_PAGE = PathRules::isBrowserPage;
  private static final RequestMatcher NOT_BROWSER_PAGE = r -> !PathRules.isBrowserPage(r);

  @Bean
  PasswordEncoder passwordEncoder() {
    // bcrypt today, with the algorithm named in the hash so it can change later.
    return PasswordEncoderFactories.createDelegatingPasswordEncoder();
  }

  @Bean
  static RoleHierarchy roleHierarchy() {
    return RoleHierarchyImpl.withDefaultRolePrefix()
        .role("ADMIN")
        .implies("RELEASE_MANAGER")
        .role("RELEASE_MANAGER")
        .implies("VIEWER")
        .build();
  }

  /**
   * The tracker and the origin authenticate by passkey themselves, and their query strings carry
   * raw binary (info_hash): no filter here may parse request parameters (the default login page
   * filter does, and Tomcat refuses non-UTF-8 parameters with 400). Stateless, nothing else.
   */
  @Bean
  @Order(0)
  SecurityFilterChain trackerAndOriginChain(HttpSecurity http) throws Exception {
    http.securityMatcher(PathRules.TRACKER_AND_ORIGIN_PATHS)
        .authorizeHttpRequests(rules -> rules.anyRequest().permitAll())
        .csrf(csrf -> csrf.disable())
        .requestCache(cache -> cache.disable())
        .securityContext(context -> context.disable())
        .sessionManagement(
            session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .anonymous(anonymous -> anonymous.disable());
    return http.build();
  }

  @Bean
  SecurityFilterChain filterChain(
      HttpSecurity http, ApiKeys apiKeys, JsonMapper json, ShoalProperties properties)
      throws Exception {
    ProblemSecurityHandlers problems = new ProblemSecurityHandlers(json);
    HttpSessionRequestCache requestCache = new HttpSessionRequestCache();
    // Only pages are worth returning to after sign-in; an API call must not create a session.
    requestCache.setRequestMatcher(BROWSER_PAGE);
    http.authorizeHttpRequests(rules -> pathRules(rules, properties.ops().prometheusPublic()))
        // Our own page (SignInPageController) at /login; Spring still checks the POST.
        .formLogin(form -> form.loginPage("/login").defaultSuccessUrl("/dashboard/").permitAll())
        .logout(logout -> logout.logoutSuccessUrl("/login?logout"))
        // spa(): the token sits in a JavaScript-readable XSRF-TOKEN cookie, set on every response.
        // A bearer request needs no token: its key alone authenticates it (a bad key is refused,
        // never judged by the session), and a cross-site page cannot set that header.
        .csrf(
            csrf ->
                csrf.spa()
                    .ignoringRequestMatchers(BEARER)
                    .ignoringRequestMatchers(PathRules.DEVICE_PATHS))
        .requestCache(cache -> cache.requestCache(requestCache))
        .exceptionHandling(
            errors ->
                errors
                    .defaultAuthenticationEntryPointFor(
                        new LoginUrlAuthenticationEntryPoint("/login"), BROWSER_PAGE)
                    .defaultAuthenticationEntryPointFor(problems, NOT_BROWSER_PAGE)
                    .accessDeniedHandler(problems))
        .addFilterBefore(
            new ApiKeyAuthenticationFilter(apiKeys, problems), AnonymousAuthenticationFilter.class);
    return http.build();
  }

  private static void pathRules(
      AuthorizeHttpRequestsConfigurer<HttpSecurity>.AuthorizationManagerRequestMatcherRegistry
          rules,
      boolean prometheusPublic) {
    rules
        .requestMatchers("/", "/login", "/error", "/dashboard", "/dashboard/**", "/favicon.ico")
        .permitAll()
        .requestMatchers(PathRequest.toStaticResources().atCommonLocations())
        .permitAll()
        // The next issue's tracker and device API authenticate devices their own way.
        .requestMatchers(PathRules.DEVICE_PATHS)
        .permitAll()
        .requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/info")
        .permitAll()
        .requestMatchers("/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html", "/swagger-ui/**")
        .permitAll();
    if (prometheusPublic) {
      rules.requestMatchers("/actuator/prometheus").permitAll();
    } else {
      rules.requestMatchers("/actuator/prometheus").hasRole("ADMIN");
    }
    rules
        .requestMatchers(HttpMethod.GET, "/api/v1/trust-root", "/api/v1/trust-root/rotations")
        .permitAll()
        .requestMatchers(
            "/api/v1/api-keys/**",
            "/api/v1/users/**",
            "/api/v1/keys/**",
            "/api/v1/products/*/content-keys/**")
        .hasRole("ADMIN")
        .requestMatchers(HttpMethod.DELETE, "/api/v1/devices/**")
        .hasRole("ADMIN")
        .requestMatchers(HttpMethod.POST, "/api/v1/devices/revocations")
        .hasRole("ADMIN")
        .requestMatchers(
            HttpMethod.GET, "/api/v1/devices/**", "/api/v1/releases/**", "/api/v1/metrics")
        .hasRole("VIEWER")
        .requestMatchers("/api/v1/uploads/**", "/api/v1/releases/**")
        .hasRole("RELEASE_MANAGER")
        .requestMatchers(HttpMethod.GET, "/api/v1/products/**")
        .hasRole("VIEWER")
        .requestMatchers("/api/v1/products/**")
        .hasRole("RELEASE_MANAGER")
        .anyRequest()
        .authenticated();
  }
}
