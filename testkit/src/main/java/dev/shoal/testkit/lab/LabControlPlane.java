package dev.shoal.testkit.lab;

import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.Publisher;
import dev.shoal.testsupport.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The control plane in the lab's cloud namespace: a process of its own ({@code java -jar} of the
 * control plane's exec jar, or this JVM's class path when the jar is not built) on its embedded
 * PostgreSQL, behind nginx for TLS with a certificate made for this run. Agents use {@link
 * #publicUrl()}; this JVM uses {@link #baseUrl()} (plain HTTP, straight to the control plane).
 */
public final class LabControlPlane {
  static final int HTTP_PORT = 8080;

  /** The origin seeder's port, fixed so that the cloud's firewall can cut it. */
  public static final int SEEDER_PORT = 6881;

  private static final String TRUST_PASSWORD = "shoal-lab";

  private final Lab lab;
  private final Map<String, Object> settings;
  private final Path dir;
  private final String adminPassword = "lab-" + UUID.randomUUID();
  private Process nginx;
  private String adminApiKey;
  private boolean originReachable = true;

  LabControlPlane(Lab lab, Map<String, Object> settings) {
    this.lab = lab;
    this.settings = settings;
    this.dir = lab.runDir().resolve("cloud");
  }

  void start(Duration timeout) {
    try {
      Files.createDirectories(dir.resolve("nginx-temp"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Shell.ok(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        dir.resolve("key.pem").toString(),
        "-out",
        dir.resolve("cert.pem").toString(),
        "-days",
        "2",
        "-subj",
        "/CN=" + Lab.CLOUD,
        "-addext",
        "subjectAltName=IP:" + Lab.CLOUD);
    Shell.ok(
        "keytool",
        "-importcert",
        "-noprompt",
        "-alias",
        "shoal-lab",
        "-file",
        dir.resolve("cert.pem").toString(),
        "-keystore",
        trustStore().toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        TRUST_PASSWORD);
    writeNginxConfig();
    String ns = lab.cloudNamespace();
    nginx =
        lab.startProcess(
            Shell.in(ns, List.of("nginx", "-c", dir.resolve("nginx.conf").toString())),
            dir.resolve("nginx.log"));
    lab.startProcess(Shell.in(ns, command()), dir.resolve("control-plane.log"));
    awaitUp(timeout);
    adminApiKey = issueAdminKey();
  }

  private List<String> command() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx768m");
    cmd.addAll(trustFlags()); // its origin seeder announces to the tracker over https
    Path jar = execJar();
    if (Files.exists(jar)) {
      cmd.addAll(List.of("-jar", jar.toString()));
    } else {
      cmd.addAll(
          List.of(
              "-cp",
              System.getProperty("java.class.path"),
              "dev.shoal.controlplane.ShoalControlPlaneApplication"));
    }
    cmd.add("--server.port=" + HTTP_PORT);
    cmd.add("--shoal.data-dir=" + dir.resolve("data"));
    cmd.add("--shoal.public-base-url=" + publicUrl());
    // nginx in front: the tracker must see the players' (routers') addresses, not nginx's.
    cmd.add("--shoal.trusted-proxies=127.0.0.1/32");
    cmd.add("--shoal.bootstrap.admin-password=" + adminPassword);
    cmd.add("--shoal.origin.seeder-port=" + SEEDER_PORT);
    cmd.add("--spring.main.banner-mode=off");
    cmd.add("--logging.level.root=WARN");
    settings.forEach((k, v) -> cmd.add("--" + k + "=" + v));
    return cmd;
  }

  private static Path execJar() {
    for (Path base : List.of(Path.of(".."), Path.of("."))) {
      Path jar = base.resolve("control-plane/target/control-plane-0.1.0-SNAPSHOT-exec.jar");
      if (Files.exists(jar)) {
        return jar.toAbsolutePath().normalize();
      }
    }
    return Path.of("control-plane-exec.jar-not-built");
  }

  private void writeNginxConfig() {
    Path temp = dir.resolve("nginx-temp");
    String origin =
        originReachable
            ? ""
            // The origin cut while the API and tracker stay: what OriginUnreachableTest's proxy
            // does on loopback.
            : "    location /origin/ { return 503; }\n";
    Home.write(
        dir.resolve("nginx.conf"),
        "daemon off;\nuser root;\nworker_processes 1;\npid "
            + dir.resolve("nginx.pid")
            + ";\n"
            + "error_log "
            + dir.resolve("nginx-error.log")
            + " warn;\n"
            + "events { worker_connections 4096; }\n"
            + "http {\n  access_log off;\n"
            + "  client_body_temp_path "
            + temp
            + "/body;\n  proxy_temp_path "
            + temp
            + "/proxy;\n"
            + "  fastcgi_temp_path "
            + temp
            + "/fastcgi;\n  uwsgi_temp_path "
            + temp
            + "/uwsgi;\n"
            + "  scgi_temp_path "
            + temp
            + "/scgi;\n"
            + "  server {\n    listen "
            + Lab.CLOUD
            + ":443 ssl;\n"
            + "    ssl_certificate "
            + dir.resolve("cert.pem")
            + ";\n"
            + "    ssl_certificate_key "
            + dir.resolve("key.pem")
            + ";\n"
            + "    client_max_body_size 0;\n"
            + origin
            + "    location / {\n      proxy_pass http://127.0.0.1:"
            + HTTP_PORT
            + ";\n"
            + "      proxy_http_version 1.1;\n      proxy_set_header Host $host;\n"
            + "      proxy_set_header X-Forwarded-For $remote_addr;\n"
            + "      proxy_set_header X-Forwarded-Proto https;\n"
            + "      proxy_buffering off;\n      proxy_request_buffering off;\n"
            + "      proxy_read_timeout 300s;\n    }\n  }\n}\n");
  }

  /**
   * Makes the origin unreachable (false) or reachable again: the cloud's firewall drops the origin
   * seeder's port, and nginx answers 503 to the HTTP origin, while the API and tracker stay up.
   */
  public synchronized void originReachable(boolean reachable) {
    if (reachable == originReachable) {
      return;
    }
    originReachable = reachable;
    String ns = lab.cloudNamespace();
    if (!reachable) {
      Shell.ok(
          Shell.in(
              ns,
              List.of(
                  "nft",
                  "add table inet origincut; add chain inet origincut"
                      + " input { type filter hook input priority 0; policy accept; };"
                      + " add rule inet origincut input tcp dport "
                      + SEEDER_PORT
                      + " drop;"
                      + " add chain inet origincut output { type filter hook output priority 0;"
                      + " policy accept; }; add rule inet origincut output tcp sport "
                      + SEEDER_PORT
                      + " drop")));
      // Connections the seeder already had are cut too (their packets are dropped).
    } else {
      Shell.ok(Shell.in(ns, List.of("nft", "delete", "table", "inet", "origincut")));
    }
    writeNginxConfig();
    Shell.ok("kill", "-HUP", String.valueOf(nginx.pid()));
    Lab.sleep(500); // nginx re-reads its configuration
  }

  private void awaitUp(Duration timeout) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long end = System.nanoTime() + timeout.toNanos();
    Path log = dir.resolve("control-plane.log");
    while (true) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(baseUrl() + "/actuator/health"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LabException("interrupted");
      }
      if (System.nanoTime() > end) {
        throw new LabException(
            "the control plane did not start in " + timeout + ": " + Lab.tail(log));
      }
      Lab.sleep(500);
    }
  }

  private String issueAdminKey() {
    ApiClient admin = ApiClient.signedIn(baseUrl(), "admin", adminPassword);
    Response r = admin.post("/api/v1/api-keys", Map.of("name", "lab", "role", "ADMIN"));
    if (r.status() != 201) {
      throw new LabException("could not issue the lab's API key: " + r.status() + " " + r.body());
    }
    return r.json().get("token").asString();
  }

  /** For this JVM: {@code http://198.51.100.1:8080} (no trailing slash). */
  public String baseUrl() {
    return "http://" + Lab.CLOUD + ":" + HTTP_PORT;
  }

  /** For agents: {@code https://198.51.100.1/}. */
  public String publicUrl() {
    return "https://" + Lab.CLOUD + "/";
  }

  /** The bootstrap organisation's slug. */
  public String organisation() {
    return "default";
  }

  public String adminApiKey() {
    return adminApiKey;
  }

  public ApiClient admin() {
    return ApiClient.withApiKey(baseUrl(), adminApiKey);
  }

  /** A publisher with the lab's admin API key. */
  public Publisher publisher() {
    return Publisher.of(baseUrl(), adminApiKey);
  }

  public Path log() {
    return dir.resolve("control-plane.log");
  }

  Path trustStore() {
    return dir.resolve("trust.p12");
  }

  /** JVM flags that make a process trust this run's certificate (and only it). */
  List<String> trustFlags() {
    return List.of(
        "-Djavax.net.ssl.trustStore=" + trustStore(),
        "-Djavax.net.ssl.trustStorePassword=" + TRUST_PASSWORD,
        "-Djavax.net.ssl.trustStoreType=PKCS12");
  }
}
