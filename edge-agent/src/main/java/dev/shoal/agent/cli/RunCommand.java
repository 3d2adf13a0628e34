package dev.shoal.agent.cli;

import dev.shoal.agent.Agent;
import dev.shoal.agent.AgentConfig;
import dev.shoal.agent.bandwidth.ByteUnits;
import dev.shoal.agent.controlplane.ControlPlaneException;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the agent in the foreground until interrupted (Ctrl+C, service stop). */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Run the agent: local API and status page on 127.0.0.1.")
final class RunCommand extends AgentCommand {

  @Option(names = "--port", description = "Local API port; 0 picks a free one (default).")
  int port;

  @Option(names = "--control-plane", description = "Control plane URL (https).")
  URI controlPlane;

  @Option(
      names = "--organisation",
      description = "With --control-plane: enrol in this organisation at start, if not enrolled.")
  String organisation;

  @Option(
      names = "--cache-limit",
      description =
          "Most bytes of packs kept, e.g. 5GB (default: the smaller of 10 GiB and 10% of the disk).")
  String cacheLimit;

  @Option(
      names = "--port-mapping",
      paramLabel = "off|auto",
      description =
          "Map the listening port on the home router (UPnP IGD or NAT-PMP): auto (default) does so"
              + " only while you allow uploads to other players.")
  String portMapping = "auto";

  @Option(
      names = "--hole-punch",
      paramLabel = "off|on",
      description =
          "Let other players' connections through the router by hole punching (default on).")
  String holePunch = "on";

  @Option(
      names = "--utp",
      paramLabel = "off|on",
      description =
          "Also speak uTP with LEDBAT, whose uploads give way to your other traffic (default off:"
              + " in a dense swarm it is still slower than TCP).")
  String utp = "off";

  @Override
  public Integer call() {
    AgentConfig.Builder config = AgentConfig.builder().dataDir(root().dataDir).localApiPort(port);
    if (controlPlane != null) {
      config.controlPlaneUrl(controlPlane);
    }
    if (cacheLimit != null) {
      config.cacheLimitBytes(ByteUnits.parse(cacheLimit));
    }
    try {
      config.portMapping(AgentConfig.PortMapping.parse(portMapping));
    } catch (IllegalArgumentException e) {
      throw new CliException(picocli.CommandLine.ExitCode.USAGE, e.getMessage());
    }
    switch (holePunch) {
      case "on" -> config.holePunch(true);
      case "off" -> config.holePunch(false);
      default ->
          throw new CliException(
              picocli.CommandLine.ExitCode.USAGE, "--hole-punch must be off or on");
    }
    switch (utp) {
      case "on" -> config.utp(true);
      case "off" -> config.utp(false);
      default ->
          throw new CliException(picocli.CommandLine.ExitCode.USAGE, "--utp must be off or on");
    }
    Agent agent;
    try {
      agent = Agent.start(config.build());
    } catch (IllegalStateException e) {
      throw new CliException(CliException.REFUSED, e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              agent.close();
              stopped.countDown();
            },
            "shoal-agent-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    var out = out();
    out.println("Shoal agent running (device " + agent.identity().deviceId() + ").");
    out.println(
        "Local API: http://127.0.0.1:"
            + agent.localApiPort()
            + " (token in "
            + agent.dataDir().localApiFile()
            + ")");
    if (controlPlane != null && organisation != null && agent.enrolments().current().isEmpty()) {
      try {
        agent.enrolments().enrol(controlPlane, organisation, "");
        out.println("Enrolled with " + controlPlane + " (" + organisation + ").");
      } catch (ControlPlaneException e) {
        out.println("Could not enrol with " + controlPlane + ": " + e.getMessage());
      }
    }
    out.println("Status page: run 'shoal-agent status --open'. Stop with Ctrl+C.");
    out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      // Stopped from inside the process (tests, an embedding launcher): clean up here.
      Runtime.getRuntime().removeShutdownHook(hook);
      agent.close();
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
