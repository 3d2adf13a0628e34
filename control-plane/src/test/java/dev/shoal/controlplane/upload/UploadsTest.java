package dev.shoal.controlplane.upload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.identity.Role;
import dev.shoal.controlplane.support.ApiTest;
import dev.shoal.testsupport.ApiClient;
import dev.shoal.testsupport.ApiClient.Credentials;
import dev.shoal.testsupport.GameBuilds;
import dev.shoal.testsupport.Response;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.TestPropertySource;

/**
 * Uploads over real HTTP: resumable files and archives, and every kind of hostile input refused
 * with a problem, without losing what was received. The limit is lowered to 1 MB to test 413.
 */
@TestPropertySource(properties = "shoal.upload.max-bytes=1MB")
@ExtendWith(OutputCaptureExtension.class)
class UploadsTest extends ApiTest {

  private Credentials key;
  private String upload;

  @BeforeEach
  void openUpload() {
    key = Credentials.apiKey(organisations.create().keys().get(Role.RELEASE_MANAGER));
    http().post("/api/v1/products", key, ApiClient.json("slug", "game", "name", "Game"));
    upload = http().post("/api/v1/products/game/uploads", key, "{}").json().get("id").asString();
  }

  @Test
  void aFileResumesAfterADroppedConnection() {
    byte[] content = new byte[100_000];
    Arrays.fill(content, (byte) 7);
    assertThat(putFile("bin/game.exe", content, 0, 40_000).status()).isEqualTo(200);
    Response head =
        http()
            .send(
                authorised("/files?path=bin/game.exe")
                    .method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .build());
    assertThat(head.headers().firstValue("Upload-Offset")).contains("40000");
    assertThat(complete().status()).as("a cut file cannot be sealed").isEqualTo(409);
    assertThat(putFile("bin/game.exe", content, 60_000, 100_000).status())
        .as("a range past what arrived")
        .isEqualTo(409);
    assertThat(putFile("bin/game.exe", content, 40_000, 100_000).status()).isEqualTo(200);
    Response sealed = complete();
    assertThat(sealed.status()).isEqualTo(200);
    assertThat(sealed.json().get("state").asString()).isEqualTo("SEALED");
    assertThat(sealed.json().get("totalBytes").asLong()).isEqualTo(100_000);
  }

  @Test
  void pathsThatEscapeOrBreakTheRuleAreRefused() {
    for (String path :
        new String[] {
          "../evil", "/etc/passwd", "a/../../b", "a\\b", "a//b", "./..", "n".repeat(256)
        }) {
      Response response = putFile(path, new byte[] {1}, 0, 1);
      assertThat(response.status()).as(path).isEqualTo(400);
      assertThat(response.contentType()).startsWith("application/problem+json");
    }
  }

  @Test
  void malformedPercentEscapesAre400AndLoggedWithoutAStackTrace(CapturedOutput log) {
    for (String rawPath : new String[] {"%C0%AF", "a%C0%AE%C0%AEb", "%FF%FE", "%E2%82"}) {
      Response response =
          http()
              .send(
                  authorised("/files?path=" + rawPath)
                      .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1}))
                      .build());
      assertThat(response.status()).as(rawPath).isEqualTo(400);
      assertThat(response.contentType()).as(rawPath).startsWith("application/problem+json");
    }
    assertThat(log.getOut()).contains("not valid percent-encoded UTF-8").doesNotContain("\tat ");
  }

  @Test
  void tooMuchIsRefusedWith413() {
    byte[] big = new byte[1_100_000];
    Response response = putFile("big.bin", big, 0, big.length);
    assertThat(response.status()).isEqualTo(413);
    assertThat(response.json().get("detail").asString()).contains("shoal.upload.max-bytes");
  }

  @Test
  void aTarGzUnpacksWithItsExecutableBit() throws IOException {
    byte[] tar =
        ArchiveSeeds.tar(
            entry("./bin/run.sh", "#!/bin/sh\n", 0755), entry("data/a.txt", "a", 0644));
    assertThat(putArchive(GameBuilds.gzip(tar)).status()).isEqualTo(200);
    Response sealed = complete();
    assertThat(sealed.status()).as(sealed.body()).isEqualTo(200);
    assertThat(sealed.json().get("fileCount").asInt()).isEqualTo(2);
  }

  @Test
  void archivesWithLinksTraversalDevicesOrDuplicatesAreRefusedAndKept() throws IOException {
    TarArchiveEntry symlink = new TarArchiveEntry("link", TarConstants.LF_SYMLINK);
    symlink.setLinkName("/etc/passwd");
    TarArchiveEntry hardlink = new TarArchiveEntry("hard", TarConstants.LF_LINK);
    hardlink.setLinkName("../../etc/passwd");
    TarArchiveEntry device = new TarArchiveEntry("dev", TarConstants.LF_CHR);
    byte[][] bad = {
      tar(symlink),
      tar(hardlink),
      tar(device),
      ArchiveSeeds.tar(entry("../escape.txt", "x", 0644)),
      ArchiveSeeds.tar(entry("/abs.txt", "x", 0644)),
      ArchiveSeeds.tar(entry("a.txt", "x", 0644), entry("A.TXT", "y", 0644)),
      zip("ok.txt", "../../zip-slip.txt"),
      "this is not an archive at all".getBytes(StandardCharsets.UTF_8),
    };
    for (int i = 0; i < bad.length; i++) {
      byte[] archive = bad[i];
      openUpload();
      assertThat(putArchive(archive).status()).isEqualTo(200);
      Response refused = complete();
      assertThat(refused.status()).as(i + ": " + refused.body()).isEqualTo(400);
      assertThat(refused.json().get("detail").asString()).startsWith("Bad archive");
      Response kept = http().get("/api/v1/uploads/" + upload + "/archive", key);
      assertThat(kept.json().get("received").asLong()).as("no data lost").isEqualTo(archive.length);
      assertThat(http().get("/api/v1/uploads/" + upload, key).json().get("state").asString())
          .isEqualTo("OPEN");
    }
  }

  @Test
  void anotherOrganisationSeesNothing() {
    Credentials other = Credentials.apiKey(organisations.create().keys().get(Role.ADMIN));
    assertThat(http().get("/api/v1/uploads/" + upload, other).status()).isEqualTo(404);
  }

  private Response putFile(String path, byte[] content, int from, int to) {
    return http()
        .send(
            authorised("/files?path=" + URLEncoder.encode(path, StandardCharsets.UTF_8))
                .header("Content-Range", "bytes " + from + "-" + (to - 1) + "/" + content.length)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content, from, to - from))
                .build());
  }

  private Response putArchive(byte[] archive) {
    return http()
        .send(authorised("/archive").PUT(HttpRequest.BodyPublishers.ofByteArray(archive)).build());
  }

  private Response complete() {
    return http().post("/api/v1/uploads/" + upload + "/complete", key, "{}");
  }

  private HttpRequest.Builder authorised(String suffix) {
    return key.apply(http().request("/api/v1/uploads/" + upload + suffix))
        .header("Content-Type", "application/octet-stream");
  }

  private static ArchiveSeeds.Entry entry(String name, String content, int mode) {
    TarArchiveEntry header = new TarArchiveEntry(name, true);
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    header.setSize(bytes.length);
    header.setMode(0100000 | mode);
    return new ArchiveSeeds.Entry(header, bytes);
  }

  private static byte[] tar(TarArchiveEntry special) throws IOException {
    return ArchiveSeeds.tar(new ArchiveSeeds.Entry(special, new byte[0]));
  }

  /** A zip whose entries hold their own names. */
  private static byte[] zip(String... names) {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (String name : names) {
      entries.put(name, name.getBytes(StandardCharsets.UTF_8));
    }
    return GameBuilds.zip(entries);
  }
}
