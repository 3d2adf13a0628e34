package dev.shoal.controlplane.config;

import dev.shoal.controlplane.identity.Caller;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * OpenAPI description of {@code /api/v1} at {@code /v3/api-docs}, UI at {@code /swagger-ui.html}.
 */
@Configuration(proxyBeanMethods = false)
class ApiDocsConfiguration {

  static {
    // Caller is resolved from the security context, not sent by the client.
    SpringDocUtils.getConfig().addRequestWrapperToIgnore(Caller.class);
  }

  @Bean
  OpenAPI shoalOpenApi() {
    return new OpenAPI()
        .info(
            new Info()
                .title("Shoal control plane API")
                .version("v1")
                .description(
                    // Markdown: in code spans the angle brackets are shown, not taken for HTML
                    // tags and dropped (which showed "Bearer shoal__").
                    "Publisher API. Authenticate with an API key (`Authorization: Bearer"
                        + " shoal_<prefix>_<secret>`) or a dashboard session (plus the XSRF-TOKEN"
                        + " cookie's value in `X-XSRF-TOKEN` for unsafe methods). Errors are RFC"
                        + " 9457 `application/problem+json`."))
        .components(
            new Components()
                .addSecuritySchemes(
                    "apiKey",
                    new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .bearerFormat("shoal_<prefix>_<secret>"))
                .addSecuritySchemes(
                    "session",
                    new SecurityScheme()
                        .type(SecurityScheme.Type.APIKEY)
                        .in(SecurityScheme.In.COOKIE)
                        .name("JSESSIONID")))
        .addSecurityItem(new SecurityRequirement().addList("apiKey"))
        .addSecurityItem(new SecurityRequirement().addList("session"));
  }
}
