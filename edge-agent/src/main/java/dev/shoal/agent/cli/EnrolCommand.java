package dev.shoal.agent.cli;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/** Enrols the running agent with a studio's control plane. */
@Command(
    name = "enrol",
    mixinStandardHelpOptions = true,
    description = "Enrol this computer with a game publisher's Shoal control plane.")
final class EnrolCommand extends AgentCommand {

  @Option(names = "--control-plane", required = true, description = "Control plane URL (https).")
  URI controlPlane;

  @Option(names = "--organisation", required = true, description = "The publisher's organisation.")
  String organisation;

  @Option(names = "--region", description = "Your region or network name (optional).")
  String region;

  @Override
  public Integer call() {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("controlPlane", controlPlane.toString());
    body.put("organisation", organisation);
    if (region != null) {
      body.put("region", region);
    }
    JsonNode e = client().post("/v1/enrolment", body);
    out()
        .println(
            "Enrolled device "
                + e.path("deviceId").asString()
                + " with "
                + e.path("controlPlane").asString()
                + " ("
                + e.path("organisation").asString()
                + ").");
    return 0;
  }
}
