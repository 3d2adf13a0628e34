package dev.shoal.agent.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every {@code shoal-agent} command has: the root command's options (the data directory, the
 * player's input), its output, and a client of the running agent's local API.
 */
abstract class AgentCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  ShoalAgent root() {
    return (ShoalAgent) spec.root().userObject();
  }

  LocalApiClient client() {
    return root().client();
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }
}
