package dev.shoal.deploy;

import static org.assertj.core.api.Assertions.fail;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The metric names the control plane really exports, for the dashboard and alert checks.
 *
 * <p>No list is kept here. The meters are read from the control plane's sources ({@code
 * Counter.builder("shoal.errors").tag("kind", …)}, …), registered the same way in Micrometer's own
 * {@link PrometheusMeterRegistry} (the registry the control plane serves {@code
 * /actuator/prometheus} with) and scraped, so the names carry Micrometer's real Prometheus naming:
 * {@code _total} on counters, the base unit, {@code _count}/{@code _sum}/{@code _max} on timers,
 * and {@code _bucket} only when a histogram is published. Spring's {@code http.server.requests}
 * timer and Prometheus' {@code up} are added: they come from the framework and the scraper, not our
 * sources.
 */
final class Metrics {

  private Metrics() {}

  /** A meter as declared in a source file. */
  record Declared(
      String type,
      String name,
      String baseUnit,
      List<String> tagKeys,
      boolean histogram,
      String file) {}

  /** What the dashboards and alerts may use. */
  record Exported(Set<String> samples, Set<String> families) {
    boolean knows(String name) {
      return samples.contains(name) || families.contains(name);
    }
  }

  private static final Path SOURCES = Path.of("control-plane/src/main/java");

  /** Meters registered by the framework rather than by our sources. */
  static final List<Declared> FRAMEWORK =
      List.of(
          new Declared(
              "Timer",
              "http.server.requests",
              null,
              List.of("method", "status", "uri", "outcome", "exception", "error"),
              false,
              "Spring Boot actuator"));

  private static volatile Exported known;

  /** The control plane's exported metric names (cached: the sources do not change during a run). */
  static Exported known() {
    Exported result = known;
    if (result == null) {
      List<Declared> meters = new ArrayList<>(declaredInControlPlane());
      meters.addAll(FRAMEWORK);
      result = export(meters);
      // Prometheus adds this one to every target it scrapes.
      Set<String> samples = new TreeSet<>(result.samples());
      samples.add("up");
      result = new Exported(Set.copyOf(samples), result.families());
      known = result;
    }
    return result;
  }

  private static final Pattern BUILDER =
      Pattern.compile(
          "\\b(Counter|Gauge|Timer|DistributionSummary|LongTaskTimer)\\.builder\\(\\s*\"([^\"]+)\"");

  /** Other ways to make meters; none is understood here, so using one must fail the build. */
  private static final Pattern OTHER_REGISTRATION =
      Pattern.compile(
          "\\b(FunctionCounter|FunctionTimer|TimeGauge|MultiGauge)\\.builder\\("
              + "|\\.(counter|timer|gauge|summary|gaugeCollectionSize|gaugeMapSize)\\(\\s*\""
              + "|@(Timed|Counted)\\b");

  /** The meters the control plane's main sources declare. */
  static List<Declared> declaredInControlPlane() {
    Path dir = Sources.root().resolve(SOURCES);
    Map<String, String> application = Sources.properties(Sources.APPLICATION_PROPERTIES);
    List<Declared> meters = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
        meters.addAll(declaredIn(Sources.read(file), dir.relativize(file).toString(), application));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (meters.isEmpty()) {
      fail("found no meter in " + dir + ": the source scan is broken");
    }
    return meters;
  }

  /**
   * The meters one source file declares with {@code X.builder("name")…}. A histogram is published
   * when the builder chain says so, or when {@code management.metrics.distribution.
   * percentiles-histogram.<name or a prefix>} (or {@code .all}) is true in application.properties.
   */
  static List<Declared> declaredIn(String source, String file, Map<String, String> application) {
    String code = Sources.withoutComments(source);
    Matcher other = OTHER_REGISTRATION.matcher(code);
    if (other.find()) {
      fail(
          file
              + " registers a meter with '"
              + other.group()
              + "', which this check does not read: extend deploy's Metrics (or use X.builder)");
    }
    List<Declared> meters = new ArrayList<>();
    Matcher m = BUILDER.matcher(code);
    while (m.find()) {
      // The builder chain: up to register(...) or the end of the statement, whichever comes first.
      int register = code.indexOf(".register(", m.end());
      int semicolon = code.indexOf(';', m.end());
      int end =
          Math.min(
              register < 0 ? code.length() : register, semicolon < 0 ? code.length() : semicolon);
      String chain = code.substring(m.end(), end);
      Matcher unit = Pattern.compile("\\.baseUnit\\(\\s*\"([^\"]+)\"").matcher(chain);
      List<String> tags = new ArrayList<>();
      Matcher tag = Pattern.compile("\\.tag\\(\\s*\"([^\"]+)\"").matcher(chain);
      while (tag.find()) {
        tags.add(tag.group(1));
      }
      // A builder kept in a field and tagged where it is registered (ReleasePipeline's timer).
      Matcher field =
          Pattern.compile("(\\w+)\\s*=\\s*$")
              .matcher(code.substring(Math.max(0, m.start() - 80), m.start()).stripTrailing());
      if (field.find()) {
        Matcher later =
            Pattern.compile("\\b" + field.group(1) + "\\s*\\.tag\\(\\s*\"([^\"]+)\"").matcher(code);
        while (later.find()) {
          tags.add(later.group(1));
        }
      }
      String name = m.group(2);
      boolean histogram =
          (chain.contains("publishPercentileHistogram(")
                  && !chain.contains("publishPercentileHistogram(false)"))
              || histogramConfigured(name, application);
      meters.add(
          new Declared(
              m.group(1),
              name,
              unit.find() ? unit.group(1) : null,
              tags.stream().distinct().toList(),
              histogram,
              file));
    }
    return meters;
  }

  private static boolean histogramConfigured(String name, Map<String, String> application) {
    String prefix = "management.metrics.distribution.percentiles-histogram.";
    for (var entry : application.entrySet()) {
      if (!entry.getKey().startsWith(prefix)
          || !"true".equalsIgnoreCase(entry.getValue().strip())) {
        continue;
      }
      String meter = entry.getKey().substring(prefix.length());
      if (meter.equals("all") || name.equals(meter) || name.startsWith(meter + ".")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Registers the meters in Micrometer's Prometheus registry, records one value in each and scrapes
   * it: the sample names (e.g. {@code shoal_errors_total}) and the family names of the TYPE lines.
   */
  static Exported export(List<Declared> meters) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try {
      for (Declared meter : meters) {
        Tags tags = Tags.empty();
        for (String key : meter.tagKeys()) {
          tags = tags.and(key, "x");
        }
        switch (meter.type()) {
          case "Counter" ->
              Counter.builder(meter.name())
                  .baseUnit(meter.baseUnit())
                  .tags(tags)
                  .register(registry)
                  .increment();
          case "Gauge" ->
              Gauge.builder(meter.name(), () -> 1.0)
                  .baseUnit(meter.baseUnit())
                  .tags(tags)
                  .register(registry);
          case "Timer" ->
              Timer.builder(meter.name())
                  .tags(tags)
                  .publishPercentileHistogram(meter.histogram())
                  .register(registry)
                  .record(Duration.ofSeconds(1));
          case "DistributionSummary" ->
              DistributionSummary.builder(meter.name())
                  .baseUnit(meter.baseUnit())
                  .tags(tags)
                  .publishPercentileHistogram(meter.histogram())
                  .register(registry)
                  .record(1);
          case "LongTaskTimer" -> LongTaskTimer.builder(meter.name()).tags(tags).register(registry);
          default -> fail("meter type " + meter.type() + " of " + meter.file());
        }
      }
      Set<String> samples = new TreeSet<>();
      Set<String> families = new TreeSet<>();
      for (String line : registry.scrape().split("\n")) {
        if (line.startsWith("# TYPE ")) {
          families.add(line.split(" ")[2]);
        } else if (!line.isBlank() && !line.startsWith("#")) {
          samples.add(line.split("[{ ]", 2)[0]);
        }
      }
      return new Exported(Set.copyOf(samples), Set.copyOf(families));
    } finally {
      registry.close();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Metric names used by a PromQL expression

  // A metric name is an identifier directly followed by a selector or range, or standing alone.
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> PROMQL_WORDS =
      Set.of(
          "sum",
          "by",
          "without",
          "rate",
          "irate",
          "increase",
          "histogram_quantile",
          "and",
          "or",
          "unless",
          "offset",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "avg",
          "max",
          "min",
          "count",
          "topk",
          "bottomk",
          "label_values",
          "le",
          "bool",
          "abs",
          "clamp_min",
          "clamp_max",
          "max_over_time",
          "min_over_time",
          "avg_over_time",
          "absent",
          "humanize",
          "humanizePercentage");

  /**
   * The metric names an expression uses (identifiers that are not PromQL words, labels or numbers).
   */
  static Set<String> usedIn(String expr) {
    // Drop label matchers {…}, durations […], strings and Grafana variables.
    String stripped =
        expr.replaceAll("\\{[^}]*}", " ")
            .replaceAll("\\[[^]]*]", " ")
            .replaceAll("\"[^\"]*\"", " ")
            .replaceAll("\\$\\w+", " ")
            .replaceAll("\\b\\d+(\\.\\d+)?(e\\d+)?(ms|[smhdwy])?\\b", " ");
    // "by (a, b)" / "without (…)" / "on (…)" name labels, not metrics.
    stripped =
        stripped.replaceAll(
            "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = IDENTIFIER.matcher(stripped);
    while (m.find()) {
      String word = m.group();
      if (!PROMQL_WORDS.contains(word)) {
        names.add(word);
      }
    }
    return names;
  }
}
