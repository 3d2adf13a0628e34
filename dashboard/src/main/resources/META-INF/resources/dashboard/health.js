// Swarm health of a release (channel page) or of a whole product (product page), from
// GET /api/v1/releases/{id}/health and GET /api/v1/products/{slug}/health: totals, then charts of
// devices in the swarm, downloads, where the bytes came from, the offload ratio and the origin's
// egress. Nothing is drawn when nothing happened: the page says so instead.
import { api } from './api.js';
import { clearCharts, drawChart, fillRangeSelect, formats, intervalName, rangeQuery } from './charts.js';
import { el, say } from './ui.js';

const $ = (id) => document.getElementById(id);

const sum = (list, f) => list.reduce((a, b) => a + (b[f] ?? 0), 0);
const peak = (values) => Math.max(0, ...values.filter((v) => v !== null));
const ratio = (fromPeers, fromOrigin) => (fromPeers + fromOrigin === 0 ? null : fromPeers / (fromPeers + fromOrigin));

/** A labelled list of the window's totals. */
const totalsList = (t) => {
  const item = (name, value, key) => [el('dt', {}, name), el('dd', { 'data-total': key }, value)];
  return el(
    'dl',
    { className: 'totals' },
    ...item('Downloads completed', formats.count(t.downloads), 'downloads'),
    ...item('Failed downloads', formats.count(t.failures), 'failures'),
    ...item('Received by devices from peers', formats.bytes(t.bytesFromPeers), 'bytesFromPeers'),
    ...item('Received by devices from the origin', formats.bytes(t.bytesFromOrigin), 'bytesFromOrigin'),
    ...item('Offload ratio (share from peers)', t.offloadRatio === null ? 'no bytes reported yet' : formats.percent(t.offloadRatio), 'offloadRatio'),
    ...item('Sent by the origin (HTTP and seeder)', formats.bytes(t.originEgressBytes), 'originEgressBytes'),
    ...item('Most devices in the swarm at once', t.peakActivePeers === null ? 'not sampled' : formats.count(t.peakActivePeers), 'peakActivePeers'),
  );
};

/** Draws a health series into `body` (emptied first); `what` names it in sentences. */
export const renderHealth = (body, series, what, idPrefix) => {
  clearCharts(body);
  body.replaceChildren();
  const t = series.totals;
  const buckets = series.buckets;
  const interval = intervalName(series.stepSeconds);
  const nothing =
    t.downloads + t.failures === 0 &&
    t.bytesFromPeers + t.bytesFromOrigin === 0 &&
    t.originEgressBytes === 0 &&
    !t.peakActivePeers;
  body.append(totalsList(t));
  if (nothing) {
    body.append(
      el(
        'p',
        { className: 'empty', id: `${idPrefix}-empty` },
        t.sampledBuckets === 0
          ? `No data for ${what} in this time range: the control plane recorded no swarm samples (it was not running) and no device reported a download.`
          : `No activity for ${what} in this time range: no device was in its swarm, downloaded it from the origin, or reported a download.`,
      ),
    );
    return;
  }
  const times = buckets.map((b) => Date.parse(b.start));
  const common = { times, stepSeconds: series.stepSeconds, intervalName: interval };
  const active = buckets.map((b) => b.activePeers);
  const uploading = buckets.map((b) => b.uploadingPeers);
  const gaps = 'no sample';
  drawChart(body, {
    ...common,
    id: `${idPrefix}-peers`,
    title: 'Devices in the swarm',
    unit: 'count',
    gaps,
    series: [
      { label: 'Devices in the swarm', values: active },
      { label: 'Offering uploads (upload consent)', values: uploading },
    ],
    summary: `At most ${formats.count(peak(active))} devices at once, ${formats.count(peak(uploading))} of them offering uploads. Gaps are times without samples.`,
  });
  drawChart(body, {
    ...common,
    id: `${idPrefix}-downloads`,
    title: 'Downloads reported by devices',
    unit: 'count',
    series: [
      { label: 'Completed', values: buckets.map((b) => b.downloads) },
      { label: 'Failed', values: buckets.map((b) => b.failures) },
    ],
    summary: `${formats.count(t.downloads)} completed and ${formats.count(t.failures)} failed in this time range.`,
  });
  drawChart(body, {
    ...common,
    id: `${idPrefix}-bytes`,
    title: 'Bytes received by devices',
    unit: 'bytes',
    series: [
      { label: 'From peers', values: buckets.map((b) => b.bytesFromPeers) },
      { label: 'From the origin', values: buckets.map((b) => b.bytesFromOrigin) },
    ],
    summary: `${formats.bytes(t.bytesFromPeers)} from peers and ${formats.bytes(t.bytesFromOrigin)} from the origin, as the devices reported.`,
  });
  drawChart(body, {
    ...common,
    id: `${idPrefix}-offload`,
    title: 'Offload ratio',
    unit: 'percent',
    gaps: 'no bytes',
    zeroIsData: true,
    series: [{ label: 'Share of bytes from peers', values: buckets.map((b) => ratio(b.bytesFromPeers, b.bytesFromOrigin)) }],
    summary:
      t.offloadRatio === null
        ? 'No bytes reported in this time range.'
        : `${formats.percent(t.offloadRatio)} of the bytes came from peers over the whole time range.`,
  });
  drawChart(body, {
    ...common,
    id: `${idPrefix}-egress`,
    title: 'Sent by the origin',
    unit: 'bytes',
    gaps,
    series: [
      { label: 'HTTP downloads', values: buckets.map((b) => b.originHttpBytes) },
      { label: 'BitTorrent seeder', values: buckets.map((b) => b.originSeederBytes) },
    ],
    summary: `${formats.bytes(t.originHttpBytes)} over HTTP and ${formats.bytes(t.originSeederBytes)} by the seeder.`,
  });
  body.append(
    el(
      'p',
      { className: 'hint' },
      `Bytes received are as the devices reported them (bytes from the origin's BitTorrent seeder count as from the origin); what the origin sent is measured by the control plane. Devices in the swarm are counted every ${series.sampleIntervalSeconds === 1 ? 'second' : `${series.sampleIntervalSeconds} seconds`}.`,
    ),
  );
};

/**
 * The series for a range. For "since" the start comes from the caller (a release's publish time)
 * or, the first time, from the API's `since` in a first answer for the last 24 hours.
 */
const fetchSeries = async (target, range, starts) => {
  let since = 'since' in target ? target.since : starts.get(target.path);
  if (range === 'since' && since === undefined) {
    const first = await api(`${target.path}?${rangeQuery('day')}`);
    since = first.since ?? null;
    starts.set(target.path, since);
    if (!since) return first;
  }
  const series = await api(`${target.path}?${rangeQuery(range, since)}`);
  if (series.since !== undefined) starts.set(target.path, series.since);
  return series;
};

/**
 * A health panel: `prefix` names its elements (#{prefix}-range, -refresh, -status, -body);
 * `source()` gives { path, what, since? } or null when there is nothing to show.
 */
export const healthPanel = (prefix, source) => {
  let request = 0;
  const starts = new Map(); // path -> when its subject was first published, as the API said
  const panel = {
    async load() {
      const body = $(`${prefix}-body`);
      const status = $(`${prefix}-status`);
      const target = source();
      const mine = ++request;
      if (!target) {
        clearCharts(body);
        body.replaceChildren();
        return;
      }
      const range = $(`${prefix}-range`).value;
      say(status, `Loading the swarm health of ${target.what}…`, 'ok');
      body.setAttribute('aria-busy', 'true');
      try {
        const series = await fetchSeries(target, range, starts);
        if (mine !== request) return;
        renderHealth(body, series, target.what, prefix);
        say(status, '');
        body.dataset.loaded = target.path;
      } catch (e) {
        if (mine !== request) return;
        clearCharts(body);
        body.replaceChildren();
        say(status, `Could not load the swarm health of ${target.what}: ${e.message}`, 'error');
      } finally {
        if (mine === request) body.removeAttribute('aria-busy');
      }
    },
    /** Shows nothing (the subject could not be loaded). */
    clear() {
      request += 1;
      clearCharts($(`${prefix}-body`));
      $(`${prefix}-body`).replaceChildren();
      say($(`${prefix}-status`), '');
    },
    init() {
      fillRangeSelect($(`${prefix}-range`), 'the first publish');
      $(`${prefix}-range`).addEventListener('change', () => panel.load());
      $(`${prefix}-refresh`).addEventListener('click', () => panel.load());
    },
  };
  return panel;
};
