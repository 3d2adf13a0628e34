package dev.shoal.deploy;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the other modules' sources, so that the deploy files and docs are checked against what the
 * code really has (setting names and defaults, CLI flags) rather than against a copy kept here. A
 * plain source read: this module depends on no other module of the project.
 */
final class Sources {

  private Sources() {}

  /** The repository root (Surefire passes it; the fallback is deploy/..). */
  static Path root() {
    String configured = System.getProperty("shoal.rootDir");
    Path root =
        (configured != null ? Path.of(configured) : Deploy.dir().getParent())
            .toAbsolutePath()
            .normalize();
    if (!Files.isDirectory(root.resolve("control-plane"))) {
      fail("not the repository root: " + root);
    }
    return root;
  }

  static String read(Path path) {
    try {
      return Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String read(String relativeToRoot) {
    Path path = root().resolve(relativeToRoot);
    if (!Files.isRegularFile(path)) {
      fail("missing file " + path);
    }
    return read(path);
  }

  // ---------------------------------------------------------------------------------------------
  // Control-plane settings

  /** A Spring property of the control plane; {@code defaultValue} null means it has none. */
  record Setting(String key, String defaultValue) {}

  static final String SHOAL_PROPERTIES =
      "control-plane/src/main/java/dev/shoal/controlplane/config/ShoalProperties.java";
  static final String APPLICATION_PROPERTIES =
      "control-plane/src/main/resources/application.properties";

  /** Every {@code shoal.*} setting of ShoalProperties, in declaration order, with its default. */
  static List<Setting> shoalSettings() {
    return settingsOf(read(SHOAL_PROPERTIES), "ShoalProperties", "shoal");
  }

  /**
   * The settings of a {@code @ConfigurationProperties} record: its components (kebab-case), nested
   * records of the same file expanded, {@code @DefaultValue("x")} as the default.
   */
  static List<Setting> settingsOf(String javaSource, String rootRecord, String prefix) {
    Map<String, List<String>> records = records(javaSource);
    if (!records.containsKey(rootRecord)) {
      fail("no record " + rootRecord + " in the source");
    }
    List<Setting> settings = new ArrayList<>();
    collect(records, rootRecord, prefix, settings);
    return settings;
  }

  private static final Pattern DEFAULT_VALUE =
      Pattern.compile("@DefaultValue\\s*\\(\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*\\)");
  private static final Pattern TYPE_AND_NAME = Pattern.compile("([\\w.<>]+)\\s+(\\w+)\\s*$");

  private static void collect(
      Map<String, List<String>> records, String record, String prefix, List<Setting> out) {
    for (String component : records.get(record)) {
      Matcher typeAndName = TYPE_AND_NAME.matcher(component.strip());
      if (!typeAndName.find()) {
        fail("cannot read the record component '" + component + "' of " + record);
      }
      String type = typeAndName.group(1);
      String key = prefix + "." + kebab(typeAndName.group(2));
      if (records.containsKey(type)) {
        collect(records, type, key, out);
        continue;
      }
      Matcher defaultValue = DEFAULT_VALUE.matcher(component);
      out.add(new Setting(key, defaultValue.find() ? unescape(defaultValue.group(1)) : null));
    }
  }

  /** Record name to its components' source text, for every record declared in the source. */
  static Map<String, List<String>> records(String javaSource) {
    String code = withoutComments(javaSource);
    Map<String, List<String>> records = new LinkedHashMap<>();
    Matcher m = Pattern.compile("\\brecord\\s+(\\w+)\\s*\\(").matcher(code);
    while (m.find()) {
      int open = m.end() - 1;
      int close = matchingParenthesis(code, open);
      records.put(m.group(1), splitTopLevel(code.substring(open + 1, close)));
    }
    return records;
  }

  /** The property keys and values of a {@code .properties} file. */
  static Map<String, String> properties(String relativeToRoot) {
    Properties properties = new Properties();
    try {
      properties.load(new StringReader(read(relativeToRoot)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> result = new LinkedHashMap<>();
    properties.stringPropertyNames().stream()
        .sorted()
        .forEach(k -> result.put(k, properties.getProperty(k)));
    return result;
  }

  static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
  }

  // ---------------------------------------------------------------------------------------------
  // Edge agent

  static final String AGENT_CONFIG = "edge-agent/src/main/java/dev/shoal/agent/AgentConfig.java";
  static final Path AGENT_CLI = Path.of("edge-agent/src/main/java/dev/shoal/agent/cli");

  /** The components of AgentConfig (its settings). */
  static List<String> agentConfigComponents() {
    List<String> names = new ArrayList<>();
    for (String component : records(read(AGENT_CONFIG)).get("AgentConfig")) {
      Matcher m = TYPE_AND_NAME.matcher(component.strip());
      if (!m.find()) {
        fail("cannot read AgentConfig component " + component);
      }
      names.add(m.group(2));
    }
    return names;
  }

  private static final Pattern OPTION_NAMES =
      Pattern.compile("@Option\\s*\\(\\s*names\\s*=\\s*(\\{[^}]*}|\"[^\"]*\")");
  private static final Pattern COMMAND_NAME =
      Pattern.compile("@Command\\s*\\(\\s*name\\s*=\\s*\"([^\"]+)\"");

  /** Every picocli option name ({@code --data-dir}, …) of the agent's CLI. */
  static List<String> agentCliOptions() {
    List<String> options = new ArrayList<>();
    for (String source : agentCliSources()) {
      Matcher m = OPTION_NAMES.matcher(source);
      while (m.find()) {
        Matcher quoted = Pattern.compile("\"([^\"]+)\"").matcher(m.group(1));
        while (quoted.find()) {
          options.add(quoted.group(1));
        }
      }
    }
    return options.stream().distinct().sorted().toList();
  }

  /** Every picocli command name of the agent's CLI ({@code shoal-agent}, {@code run}, …). */
  static List<String> agentCliCommands() {
    List<String> commands = new ArrayList<>();
    for (String source : agentCliSources()) {
      Matcher m = COMMAND_NAME.matcher(source);
      while (m.find()) {
        commands.add(m.group(1));
      }
    }
    return commands.stream().distinct().sorted().toList();
  }

  private static List<String> agentCliSources() {
    Path dir = root().resolve(AGENT_CLI);
    try (var files = Files.list(dir)) {
      List<String> sources =
          files.filter(p -> p.toString().endsWith(".java")).sorted().map(Sources::read).toList();
      if (sources.isEmpty()) {
        fail("no sources in " + dir);
      }
      return sources;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Java source scanning helpers (string- and comment-aware)

  /** The source with comments blanked out (string and char literals kept). */
  static String withoutComments(String source) {
    StringBuilder out = new StringBuilder(source.length());
    int i = 0;
    while (i < source.length()) {
      char c = source.charAt(i);
      if (source.startsWith("\"\"\"", i)) {
        int end = source.indexOf("\"\"\"", i + 3);
        end = end < 0 ? source.length() : end + 3;
        out.append(source, i, end);
        i = end;
      } else if (c == '"' || c == '\'') {
        int end = endOfLiteral(source, i);
        out.append(source, i, end);
        i = end;
      } else if (source.startsWith("//", i)) {
        int end = source.indexOf('\n', i);
        i = end < 0 ? source.length() : end;
      } else if (source.startsWith("/*", i)) {
        int end = source.indexOf("*/", i + 2);
        i = end < 0 ? source.length() : end + 2;
        out.append(' ');
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static int endOfLiteral(String s, int start) {
    char quote = s.charAt(start);
    int i = start + 1;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '\\') {
        i += 2;
      } else if (c == quote) {
        return i + 1;
      } else {
        i++;
      }
    }
    return s.length();
  }

  static int matchingParenthesis(String code, int open) {
    int depth = 0;
    int i = open;
    while (i < code.length()) {
      char c = code.charAt(i);
      if (c == '"' || c == '\'') {
        i = endOfLiteral(code, i);
        continue;
      }
      if (c == '(') {
        depth++;
      } else if (c == ')' && --depth == 0) {
        return i;
      }
      i++;
    }
    return fail("unbalanced parentheses");
  }

  /** Splits at commas outside parentheses, braces, brackets, generics and literals. */
  static List<String> splitTopLevel(String text) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '"' || c == '\'') {
        i = endOfLiteral(text, i);
        continue;
      }
      if ("({[<".indexOf(c) >= 0) {
        depth++;
      } else if (")}]>".indexOf(c) >= 0) {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(text.substring(start, i));
        start = i + 1;
      }
      i++;
    }
    if (!text.substring(start).isBlank()) {
      parts.add(text.substring(start));
    }
    return parts;
  }

  private static String unescape(String javaString) {
    return javaString.replace("\\\"", "\"").replace("\\\\", "\\");
  }
}
