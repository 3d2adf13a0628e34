package dev.shoal.agent.consent;

import dev.shoal.agent.bandwidth.BandwidthSettings;
import dev.shoal.agent.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.type.TypeReference;

/**
 * The consent texts shipped in the agent ({@code resources/dev/shoal/agent/consent/}), rendered
 * with the current bandwidth settings so the numbers the player reads are the numbers enforced.
 * Because the numbers are part of the text, its hash changes when the settings change: a grant is
 * only accepted for a text exactly as the agent would render it now.
 */
public final class ConsentTexts {
  public static final String DEFAULT_LOCALE = "en";

  record Entry(String id, int version, ConsentScope scope, String locale, String resource) {}

  private final List<Entry> entries;
  private final Map<String, String> templates;

  private ConsentTexts(List<Entry> entries, Map<String, String> templates) {
    this.entries = entries;
    this.templates = templates;
  }

  /** Loads the index and every template from the class path. */
  public static ConsentTexts shipped() {
    List<Entry> entries =
        Json.MAPPER.readValue(resource("texts.json"), new TypeReference<List<Entry>>() {});
    Map<String, String> templates =
        entries.stream()
            .collect(
                java.util.stream.Collectors.toUnmodifiableMap(
                    Entry::resource, e -> resource(e.resource())));
    return new ConsentTexts(List.copyOf(entries), templates);
  }

  public List<String> locales() {
    return entries.stream().map(Entry::locale).distinct().sorted().toList();
  }

  /**
   * The text for a scope in the locale (language tag like {@code fr-CA} falls back to {@code fr},
   * then en).
   */
  public ConsentText render(ConsentScope scope, String locale, BandwidthSettings settings) {
    String lang = locale == null ? DEFAULT_LOCALE : locale.toLowerCase(java.util.Locale.ROOT);
    Optional<Entry> exact = latest(scope, lang);
    Entry entry =
        exact
            .or(() -> latest(scope, lang.split("[-_]")[0]))
            .or(() -> latest(scope, DEFAULT_LOCALE))
            .orElseThrow(() -> new IllegalStateException("no consent text for " + scope));
    return render(entry, settings);
  }

  public List<ConsentText> renderAll(BandwidthSettings settings) {
    return entries.stream()
        .filter(e -> latest(e.scope(), e.locale()).orElseThrow().equals(e))
        .map(e -> render(e, settings))
        .toList();
  }

  /** The current text of this scope with this hash, if the agent would show it now. */
  public Optional<ConsentText> find(ConsentScope scope, String sha256, BandwidthSettings settings) {
    return renderAll(settings).stream()
        .filter(t -> t.scope() == scope && t.sha256().equalsIgnoreCase(sha256))
        .findFirst();
  }

  private Optional<Entry> latest(ConsentScope scope, String locale) {
    return entries.stream()
        .filter(e -> e.scope() == scope && e.locale().equals(locale))
        .max(java.util.Comparator.comparingInt(Entry::version));
  }

  private ConsentText render(Entry e, BandwidthSettings s) {
    Units u = Units.forLocale(e.locale());
    String text =
        templates
            .get(e.resource())
            .replace("{monthlyAllowance}", u.size(s.monthlyUploadAllowanceBytes()))
            .replace("{uploadCap}", u.rate(s.uploadCapBytesPerSecond()))
            .replace("{downloadCap}", u.rate(s.downloadCapBytesPerSecond()))
            .replace("{quietCap}", u.rate(s.quietModeDownloadCapBytesPerSecond()))
            .replace("{uploadHours}", u.hours(s.uploadHours()));
    return new ConsentText(e.id(), e.version(), e.scope(), e.locale(), text, sha256Hex(text));
  }

  static String sha256Hex(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String resource(String name) {
    try (InputStream in = ConsentTexts.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("consent text resource missing: " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
