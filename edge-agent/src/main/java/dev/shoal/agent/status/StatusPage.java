package dev.shoal.agent.status;

import dev.shoal.agent.bandwidth.ByteUnits;
import dev.shoal.agent.bandwidth.TrafficMeter.Totals;
import dev.shoal.agent.install.InstallStatus;
import java.time.ZoneId;
import java.util.List;

/**
 * The local status page: one self-contained HTML document, no external assets, plain English (other
 * locales come with the launcher UI). Buttons call the local API with the session cookie; the
 * inline script and style carry a per-response CSP nonce.
 */
public final class StatusPage {
  private StatusPage() {}

  /** The full page for a signed-in browser. */
  public static String render(AgentStatus s, String nonce, String dataDir) {
    StringBuilder b = new StringBuilder(8192);
    head(b, nonce);
    b.append("<h1>Shoal: game update sharing on this computer</h1>\n");
    sharing(b, s);
    b.append("<p id=\"msg\" role=\"status\"></p>\n");
    buttons(b, s);
    activity(b, s);
    connections(b, s.connections());
    installs(b, s);
    limits(b, s);
    cache(b, s);
    uninstall(b, dataDir);
    script(b, nonce);
    b.append("</body></html>\n");
    return b.toString();
  }

  /** Shown without a valid session: explains how to open the page, shows nothing private. */
  public static String signInNeeded(String nonce, String why) {
    StringBuilder b = new StringBuilder();
    head(b, nonce);
    b.append("<h1>Shoal status page</h1>\n<p>")
        .append(esc(why))
        .append(
            "</p>\n<p>To open this page, run <code>shoal-agent status --open</code>, or use the ")
        .append(
            "status link in your game launcher. Links work once and only on this computer.</p>\n")
        .append("</body></html>\n");
    return b.toString();
  }

  private static void head(StringBuilder b, String nonce) {
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>Shoal status</title>\n<style nonce=\"")
        .append(nonce)
        .append("\">body{font-family:system-ui,sans-serif;max-width:46em;margin:2em auto;")
        .append(
            "padding:0 1em;line-height:1.5}table{border-collapse:collapse}td,th{padding:.2em .8em;")
        .append(
            "text-align:left;border-bottom:1px solid #ddd}.on{color:#0a6b2d}.off{color:#9a3b00}")
        // The browser's default grey buttons read as disabled controls next to the page's text:
        // the page's one action colour, the same size and spacing for every button, and a quieter
        // outlined look for withdrawing consent (it cannot be undone from this page).
        .append("button{font:inherit;margin:.2em .5em .2em 0;padding:.45em 1.1em;")
        .append("border:1px solid #1d5fbf;border-radius:6px;background:#1d6fdc;color:#fff;")
        .append("cursor:pointer}button:hover{background:#1858b0}")
        .append("button:focus-visible{outline:3px solid #9cc3ff;outline-offset:2px}")
        .append("button.withdraw{background:#fff;color:#9a3b00;border-color:#c96a2b}")
        .append("button.withdraw:hover{background:#fff4ec}")
        .append("</style>\n</head><body>\n");
  }

  private static void sharing(StringBuilder b, AgentStatus s) {
    if (s.sharing().uploading()) {
      b.append(
              "<p class=\"on\" id=\"sharing\"><strong>Sharing is on.</strong> This computer sends ")
          .append("encrypted pieces of game updates to other players of the same game.</p>\n");
    } else {
      b.append("<p class=\"off\" id=\"sharing\"><strong>Sharing is off</strong> because: ")
          .append(esc(String.join("; ", s.sharing().uploadOffReasons())))
          .append(".</p>\n");
    }
    b.append("<p>Downloading from other players is <strong>")
        .append(s.sharing().downloadingFromPeers() ? "on" : "off")
        .append("</strong>. Quiet mode (a game is running) is <strong>")
        .append(s.quietMode() ? "on" : "off")
        .append("</strong>.</p>\n");
  }

  private static void buttons(StringBuilder b, AgentStatus s) {
    b.append("<div>");
    if (s.paused()) {
      button(b, "resume", "Resume sharing", "/v1/sharing", "{\"paused\":false}");
    } else {
      button(b, "pause", "Pause sharing", "/v1/sharing", "{\"paused\":true}");
    }
    if (s.consent().uploadToPeers().granted()) {
      button(
          b,
          "withdraw-upload",
          "Stop sharing (withdraw my yes)",
          "/v1/consent",
          "{\"scope\":\"UPLOAD_TO_PEERS\",\"decision\":\"WITHDRAWN\",\"askedWhere\":\"SETTINGS\"}");
    }
    if (s.consent().downloadFromPeers().granted()) {
      button(
          b,
          "withdraw-download",
          "Stop downloading from players",
          "/v1/consent",
          "{\"scope\":\"DOWNLOAD_FROM_PEERS\",\"decision\":\"WITHDRAWN\",\"askedWhere\":\"SETTINGS\"}");
    }
    b.append("</div>\n");
  }

  private static void button(StringBuilder b, String id, String label, String path, String body) {
    b.append("<button type=\"button\"")
        .append(id.startsWith("withdraw-") ? " class=\"withdraw\"" : "")
        .append(" id=\"")
        .append(id)
        .append("\" data-path=\"")
        .append(esc(path))
        .append("\" data-body=\"")
        .append(esc(body))
        .append("\">")
        .append(esc(label))
        .append("</button>");
  }

  private static void activity(StringBuilder b, AgentStatus s) {
    Totals d = s.activity().today();
    Totals m = s.activity().thisMonth();
    b.append("<h2>What moved</h2>\n<table><tr><th></th><th>Today</th><th>This month</th></tr>\n");
    row(b, "Downloaded from other players", d.fromPeers(), m.fromPeers());
    row(b, "Downloaded from the publisher's servers", d.fromOrigin(), m.fromOrigin());
    row(b, "Uploaded to other players", d.uploaded(), m.uploaded());
    b.append("</table>\n<p>Right now: downloading ")
        .append(ByteUnits.format(s.rates().downloadBytesPerSecond()))
        .append("/s")
        .append(", uploading ")
        .append(ByteUnits.format(s.rates().uploadBytesPerSecond()))
        .append("/s")
        .append(", connected to ")
        .append(s.rates().peers())
        .append(" players.</p>\n<p>Port mapping on your router: ")
        .append(esc(s.portMapping() == null ? "none" : s.portMapping().describe()))
        .append("</p>\n");
  }

  /** The busiest peers, one row each: how they are connected is what the player can act on. */
  private static void connections(StringBuilder b, AgentStatus.Connections c) {
    if (c.total() == 0) {
      return;
    }
    b.append("<h2>Connected players</h2>\n<table id=\"peers\"><tr><th>Address</th>")
        .append("<th>Transport</th><th>Who connected</th><th>Network</th>")
        .append("<th>Downloading</th><th>Uploading</th></tr>\n");
    for (AgentStatus.Connection p : c.busiest()) {
      b.append("<tr><td>")
          .append(esc(p.address()))
          .append("</td><td>")
          .append(esc(transport(p.transport())))
          .append("</td><td>")
          .append(p.outgoing() ? "this computer" : "the other player")
          .append("</td><td>")
          .append(p.lan() ? "LAN" : "internet")
          .append("</td><td>")
          .append(ByteUnits.format(p.downloadBytesPerSecond()))
          .append("/s</td><td>")
          .append(ByteUnits.format(p.uploadBytesPerSecond()))
          .append("/s</td></tr>\n");
    }
    b.append("</table>\n");
    if (c.notListed() > 0) {
      b.append("<p>and ").append(c.notListed()).append(" more, less busy.</p>\n");
    }
  }

  /**
   * uTP (BitTorrent over UDP, yields to other traffic) or TCP; anything else as the engine says.
   */
  static String transport(String engineName) {
    return switch (engineName) {
      case "utp" -> "uTP";
      case "tcp" -> "TCP";
      default -> engineName;
    };
  }

  private static void row(StringBuilder b, String label, long today, long month) {
    b.append("<tr><td>")
        .append(esc(label))
        .append("</td><td>")
        .append(ByteUnits.format(today))
        .append("</td><td>")
        .append(ByteUnits.format(month))
        .append("</td></tr>\n");
  }

  private static void limits(StringBuilder b, AgentStatus s) {
    var l = s.limits();
    var a = s.allowance();
    b.append("<h2>Your limits</h2>\n<ul>\n<li>Upload speed: ")
        .append(speed(l.uploadCapBytesPerSecond()))
        .append("</li>\n<li>Download speed: ")
        .append(speed(l.downloadCapBytesPerSecond()))
        .append(" (")
        .append(speed(l.quietModeDownloadCapBytesPerSecond()))
        .append(" while a game runs)</li>\n<li>Monthly upload allowance: ");
    if (a.remainingBytes() == null) {
      b.append("no limit");
    } else {
      b.append(ByteUnits.format(a.monthlyBytes()))
          .append(", ")
          .append(ByteUnits.format(a.remainingBytes()))
          .append(" left until ")
          .append(esc(a.resetsAt().toLocalDate().toString()));
    }
    b.append("</li>\n<li>Upload hours: ")
        .append(l.uploadHours() == null ? "any time" : esc(l.uploadHours().toString()))
        .append("</li>\n<li>Metered connection: ")
        .append(l.metered() ? "yes (no uploading)" : "no")
        .append("</li>\n</ul>\n<p>Change them with <code>shoal-agent limits set</code> or in your ")
        .append("launcher's settings.</p>\n");
  }

  private static void cache(StringBuilder b, AgentStatus s) {
    b.append("<h2>What is cached and may be shared</h2>\n");
    if (s.cache().isEmpty()) {
      b.append("<p id=\"cache\">Nothing cached yet.</p>\n");
      return;
    }
    b.append("<ul id=\"cache\">\n");
    for (AgentStatus.CachedItem item : s.cache()) {
      b.append("<li>")
          .append(esc(item.describe()))
          .append(" (")
          .append(ByteUnits.format(item.bytes()))
          .append(")</li>\n");
    }
    b.append("</ul>\n<p>Only encrypted pieces of these game files are ever shared.</p>\n");
  }

  private static void installs(StringBuilder b, AgentStatus s) {
    List<InstallStatus> latest = s.latestInstalls();
    if (latest.isEmpty()) {
      return;
    }
    b.append("<h2>Installs and updates</h2>\n<ul id=\"installs\">\n");
    for (InstallStatus i : latest) {
      b.append("<li>").append(esc(i.describe(ZoneId.systemDefault())));
      if (i.bytesTotal() > 0 && !i.state().isFinal()) {
        b.append(", ")
            .append(ByteUnits.format(i.bytesDone()))
            .append(" of ")
            .append(ByteUnits.format(i.bytesTotal()))
            .append(", ")
            .append(Math.round(100 * i.fromPeersShare()))
            .append("% from other players");
      }
      b.append("</li>\n");
    }
    b.append("</ul>\n");
  }

  private static void uninstall(StringBuilder b, String dataDir) {
    // There is no Windows or macOS installer (deploy/agent builds an app image and a Linux user
    // service only), so Settings, Apps has no Shoal entry: the command is the one way everywhere.
    b.append(
            "<h2 id=\"uninstall\">How to uninstall</h2>\n<p>Run <code>shoal-agent uninstall</code>")
        .append(" in a terminal, on any system (Shoal has no Windows or macOS installer yet, so it")
        .append(" is not listed under Settings, Apps). It stops the agent if it runs, tells the")
        .append(" publisher this computer leaves, removes the Linux user service if it was set up,")
        .append(" and deletes the data folder <code>")
        .append(esc(dataDir))
        .append("</code>. Then delete the folder the <code>shoal-agent</code> program is in.")
        .append(" Your games stay installed; only Shoal's data and cache are removed.</p>\n");
  }

  private static void script(StringBuilder b, String nonce) {
    b.append("<script nonce=\"")
        .append(nonce)
        .append("\">\n")
        .append("for (const btn of document.querySelectorAll('button[data-path]')) {\n")
        .append("  btn.addEventListener('click', async () => {\n")
        .append("    const r = await fetch(btn.dataset.path, {method: 'POST', credentials: ")
        .append(
            "'same-origin', headers: {'Content-Type': 'application/json'}, body: btn.dataset.body});\n")
        .append("    if (r.ok) { location.reload(); return; }\n")
        .append("    const p = await r.json().catch(() => ({}));\n")
        .append(
            "    document.getElementById('msg').textContent = 'Failed: ' + (p.detail || r.status);\n")
        .append("  });\n}\n")
        // A change the player acts on (consent, sharing, installs, cache) reloads the page at once;
        // figures that move every second while bytes flow (rates, connections, bytes moved) at
        // most every 10 s, so that the page stays still long enough to read and click.
        .append("const LIVE = ['rates', 'connections', 'activity', 'allowance'];\n")
        .append(
            "const settled = s => JSON.stringify(s, (k, v) => LIVE.includes(k) ? undefined : v);\n")
        .append("const loadedAt = Date.now();\n")
        .append("let first = null;\n")
        .append("const events = new EventSource('/v1/events');\n")
        .append("events.addEventListener('status', e => {\n")
        .append("  const s = JSON.parse(e.data);\n")
        .append("  if (first === null) { first = s; return; }\n")
        .append("  if (settled(s) !== settled(first)) { location.reload(); return; }\n")
        .append(
            "  if (JSON.stringify(s) !== JSON.stringify(first) && Date.now() - loadedAt > 10000) ")
        .append("location.reload();\n")
        .append("});\n")
        .append("</script>\n");
  }

  static String speed(long capBytesPerSecond) {
    return capBytesPerSecond == 0
        ? "no limit"
        : "at most " + ByteUnits.format(capBytesPerSecond) + "/s";
  }

  static String esc(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
