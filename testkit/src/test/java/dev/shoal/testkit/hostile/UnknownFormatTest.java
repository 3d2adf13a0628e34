package dev.shoal.testkit.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.keys.SigningKeys;
import dev.shoal.controlplane.organisation.Organisations;
import dev.shoal.protocol.manifest.ManifestCodec;
import dev.shoal.protocol.signing.SignedEnvelope;
import dev.shoal.testkit.hostile.HostileProxy.Reply;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;

/**
 * A manifest of a format the agent does not know (a publisher newer than the agent) is refused
 * through the agent's real install path with a message that says so, even though it is genuinely
 * signed and the channel head names it: the installed release stays, and the same release in the
 * known format then installs.
 */
class UnknownFormatTest extends HostileTest {
  UnknownFormatTest() {
    super(Start.V2_PUBLISHED);
  }

  @Test
  void aGenuinelySignedManifestOfFormat3IsRefusedWithAClearMessage() throws Exception {
    assertThat(ManifestCodec.FORMAT).isEqualTo(2); // format 3 is the first this agent cannot read
    KeyPair orgKey =
        controlPlane
            .bean(SigningKeys.class)
            .current(
                controlPlane.bean(Organisations.class).findBySlug(world.org()).orElseThrow().id())
            .pair();
    // v2 exactly as the control plane serves it, with only the format number raised, signed by
    // the organisation's live key: what a publisher of a later format would send.
    world.proxy.on(
        HostileProxy.MANIFEST,
        (req, up) -> {
          Reply genuine = up.forward(req);
          byte[] payload = SignedEnvelope.parse(genuine.body()).payload();
          String json = new String(payload, StandardCharsets.UTF_8);
          assertThat(json).contains("\"format\":2,");
          byte[] format3 =
              json.replace("\"format\":2,", "\"format\":3,").getBytes(StandardCharsets.UTF_8);
          return genuine.withBody(SignedEnvelope.sign(format3, orgKey).encode());
        });

    world.assertInstallRefused(
        dir,
        "SIGNATURE",
        v1,
        "the manifest was refused: MALFORMED",
        "manifest.format: 3 is not supported (this build reads formats 1..2; a newer format"
            + " needs a newer agent)");

    world.proxy.clearRules(); // the control: the same release in format 2 installs
    world.installGenuine("game", "stable", dir, v2.files());
  }
}
