package dev.shoal.deploy;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metrics the control plane exports (or will, from the next issue: the shoal_* ones) and which
 * dashboards and alerts may use. Keep in step with control-plane's metrics.
 */
final class Metrics {

  private Metrics() {}

  static final Set<String> KNOWN =
      Set.of(
          "shoal_offload_ratio",
          "shoal_origin_egress_bytes_total",
          "shoal_tracker_active_peers",
          "shoal_tracker_announces_total",
          "shoal_publish_duration_seconds_count",
          "shoal_publish_duration_seconds_sum",
          "shoal_publish_duration_seconds_bucket",
          "shoal_errors_total",
          "http_server_requests_seconds_count",
          // Prometheus' own: whether the scrape worked.
          "up");

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
