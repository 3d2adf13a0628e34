package dev.shoal.controlplane.web;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The dashboard is static files in the dashboard module's jar under {@code
 * META-INF/resources/dashboard/}, which Boot serves as {@code /dashboard/**}.
 */
@Configuration(proxyBeanMethods = false)
class DashboardRoutes implements WebMvcConfigurer {

  @Override
  public void addViewControllers(ViewControllerRegistry registry) {
    registry.addRedirectViewController("/", "/dashboard/");
    registry.addRedirectViewController("/dashboard", "/dashboard/");
    registry.addViewController("/dashboard/").setViewName("forward:/dashboard/index.html");
  }
}
