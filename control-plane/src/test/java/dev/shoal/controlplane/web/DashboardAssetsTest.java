package dev.shoal.controlplane.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.support.ApiTest;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Response;
import org.junit.jupiter.api.Test;

/** The dashboard's chart library comes from its WebJar, without a version in the URL. */
class DashboardAssetsTest extends ApiTest {

  @Test
  void uplotIsServedWithoutAVersionInTheUrlAndWithoutSigningIn() {
    ApiClient http = http();
    Response module = http.send(http.request("/webjars/uplot/dist/uPlot.esm.js").GET().build());
    Response css = http.send(http.request("/webjars/uplot/dist/uPlot.min.css").GET().build());

    assertThat(module.status()).isEqualTo(200);
    assertThat(module.contentType()).contains("javascript");
    assertThat(module.body()).contains("export { uPlot as default }");
    assertThat(css.status()).isEqualTo(200);
    assertThat(css.body()).contains(".uplot");
  }
}
