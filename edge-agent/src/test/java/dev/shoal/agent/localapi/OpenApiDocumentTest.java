package dev.shoal.agent.localapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.agent.install.InstallException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** local-api.yaml is what launchers and the SDK code against: every route must be in it. */
class OpenApiDocumentTest {
  @Test
  @SuppressWarnings("unchecked")
  void everyRouteIsDocumented() throws Exception {
    Map<String, Object> doc;
    try (InputStream in = getClass().getResourceAsStream("/local-api.yaml")) {
      doc = new Yaml().load(in);
    }
    assertThat(String.valueOf(doc.get("openapi"))).startsWith("3.");
    Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) doc.get("paths");
    Router router = new Router();
    new Endpoints(null, null, null, null, null, 0).register(router);
    new InstallEndpoints(null, null, null).register(router);
    assertThat(router.routes()).isNotEmpty();
    for (Router.Route r : router.routes()) {
      assertThat(paths).as("path " + r.template()).containsKey(r.template());
      assertThat(paths.get(r.template()))
          .as(r.method() + " " + r.template())
          .containsKey(r.method().toLowerCase(Locale.ROOT));
    }
    Map<String, Object> codes =
        (Map<String, Object>)
            ((Map<String, Object>)
                    ((Map<String, Object>)
                            ((Map<String, Object>)
                                    ((Map<String, Object>) doc.get("components")).get("schemas"))
                                .get("Problem"))
                        .get("properties"))
                .get("code");
    for (ProblemCode c : ProblemCode.values()) {
      assertThat((Iterable<Object>) codes.get("enum")).as("problem code").contains(c.name());
    }
  }

  /** An install failure is answered with the problem of its own code, so each must have one. */
  @Test
  void everyInstallFailureCodeIsAProblemCode() {
    for (InstallException.Code c : InstallException.Code.values()) {
      assertThat(ProblemCode.valueOf(c.name()).retryable).as(c.name()).isEqualTo(c.retryable());
    }
  }
}
