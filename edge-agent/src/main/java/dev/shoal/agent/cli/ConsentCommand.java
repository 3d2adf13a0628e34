package dev.shoal.agent.cli;

import dev.shoal.agent.consent.ConsentScope;
import dev.shoal.agent.status.AgentStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/** {@code consent show|grant|withdraw}. */
@Command(
    name = "consent",
    mixinStandardHelpOptions = true,
    description = "Show, give or withdraw your consent to peer-to-peer downloading and sharing.",
    subcommands = {
      ConsentCommand.Show.class,
      ConsentCommand.Grant.class,
      ConsentCommand.Withdraw.class
    })
final class ConsentCommand {
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Show your current answers.")
  static final class Show extends AgentCommand {
    @Override
    public Integer call() {
      JsonNode node = client().get("/v1/consent");
      AgentStatus.Consent c = LocalApiClient.convert(node, AgentStatus.Consent.class);
      PrintWriter out = out();
      out.println("download: " + describe(c.downloadFromPeers()));
      out.println("upload: " + describe(c.uploadToPeers()));
      return 0;
    }

    private static String describe(AgentStatus.ScopeState s) {
      if (s.at() == null) {
        return "not asked yet (off)";
      }
      return (s.granted() ? "yes" : "no")
          + ", "
          + s.at()
          + " via "
          + s.askedWhere()
          + (s.textId() == null
              ? ""
              : ", text " + s.textId() + " v" + s.textVersion() + " " + s.textLocale());
    }
  }

  @Command(
      name = "grant",
      mixinStandardHelpOptions = true,
      description = "Read the consent text and say yes.")
  static final class Grant extends ScopeCommand {
    @Option(names = "--locale", description = "Language of the text (default: your system's).")
    String locale = Locale.getDefault().toLanguageTag();

    @Option(names = "--yes", description = "Answer yes after printing the text (no prompt).")
    boolean yes;

    @Override
    public Integer call() throws IOException {
      LocalApiClient client = client();
      JsonNode text =
          client
              .get(
                  "/v1/consent/texts?scope="
                      + scope.shortName()
                      + "&locale="
                      + URLEncoder.encode(locale, StandardCharsets.UTF_8))
              .get(0);
      PrintWriter out = out();
      out.println(text.path("text").asString());
      if (!yes) {
        out.print("Do you agree? Type yes to agree: ");
        out.flush();
        String answer = root().in().readLine();
        if (answer == null || !answer.trim().equalsIgnoreCase("yes")) {
          out.println("Nothing changed: " + scope.shortName() + " stays as it was.");
          return 0;
        }
      }
      client.post(
          "/v1/consent",
          Map.of(
              "scope",
              scope.name(),
              "decision",
              "GRANTED",
              "textSha256",
              text.path("sha256").asString(),
              "askedWhere",
              "CLI"));
      out.println(
          "Recorded your yes to "
              + scope.shortName()
              + ". Withdraw any time with "
              + "'shoal-agent consent withdraw --scope "
              + scope.shortName()
              + "'.");
      return 0;
    }
  }

  @Command(
      name = "withdraw",
      mixinStandardHelpOptions = true,
      description = "Say no; takes effect within a second.")
  static final class Withdraw extends ScopeCommand {
    @Override
    public Integer call() {
      client()
          .post(
              "/v1/consent",
              Map.of("scope", scope.name(), "decision", "WITHDRAWN", "askedWhere", "CLI"));
      out().println(withdrawn(scope));
      return 0;
    }

    /** What stops, in the direction the player sees it: "upload" is to other players. */
    static String withdrawn(ConsentScope scope) {
      return switch (scope) {
        case DOWNLOAD_FROM_PEERS ->
            "Withdrawn: downloading from other players is now off (updates come from the"
                + " publisher's servers only).";
        case UPLOAD_TO_PEERS ->
            "Withdrawn: uploading to other players is now off (this computer no longer shares"
                + " game updates).";
      };
    }
  }

  /** A command about one scope: grant and withdraw. */
  abstract static class ScopeCommand extends AgentCommand {
    @Option(
        names = "--scope",
        required = true,
        description = "download or upload",
        converter = ScopeConverter.class)
    ConsentScope scope;
  }

  /** Lets picocli report a bad scope as a usage error (exit 2). */
  static final class ScopeConverter implements picocli.CommandLine.ITypeConverter<ConsentScope> {
    @Override
    public ConsentScope convert(String value) {
      try {
        return ConsentScope.parse(value);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
