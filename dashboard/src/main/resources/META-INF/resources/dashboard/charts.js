// Time-series charts with uPlot (from its WebJar), each with a text alternative: the chart itself
// is one image with a summary for screen readers (role="img", aria-label), followed by a
// disclosure holding the same numbers as a table. Series differ by colour and by dash pattern.
import uPlot from '/webjars/uplot/dist/uPlot.esm.js';
import { el } from './ui.js';

// Each later series is drawn thinner, on top of the earlier ones: where lines coincide (every
// device consenting, no failure among the downloads) the thick line stays visible around the
// thinner dashed and dotted ones instead of being hidden by them.
const STYLES = [
  { stroke: '#0b5394', dash: [], css: 'solid', width: 6 },
  { stroke: '#8a4b00', dash: [8, 4], css: 'dashed', width: 3.5 },
  { stroke: '#1e5e20', dash: [2, 3], css: 'dotted', width: 2 },
  { stroke: '#5b2a86', dash: [12, 3, 2, 3], css: 'dashed', width: 1.5 },
];

const WHOLE_STEPS = Array.from({ length: 16 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();

const same = (a, b) => a.length === b.length && a.every((v, i) => (v ?? null) === (b[i] ?? null));

const COUNT = new Intl.NumberFormat('en');

/** Value formats: counts, bytes (decimal units, like network tools) and ratios as percent. */
export const formats = {
  count: (v) => COUNT.format(v),
  bytes: (v) => {
    const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
    let n = Math.abs(v);
    let u = 0;
    while (n >= 1000 && u < units.length - 1) {
      n /= 1000;
      u += 1;
    }
    const digits = u === 0 || n >= 100 ? 0 : n >= 10 ? 1 : 2;
    return `${(Math.sign(v) * n).toFixed(digits)} ${units[u]}`;
  },
  percent: (v) => `${Number((v * 100).toFixed(1))} %`,
};

const live = new Set(); // charts drawn, to resize and destroy

/** Removes the charts drawn inside a node (before it is emptied or redrawn). */
export const clearCharts = (node) => {
  for (const chart of [...live]) {
    if (node.contains(chart.root)) {
      chart.observer.disconnect();
      chart.plot.destroy();
      live.delete(chart);
    }
  }
};

const timeLabel = (ms, stepSeconds) => {
  const d = new Date(ms);
  return stepSeconds >= 86400
    ? d.toLocaleDateString()
    : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
};

/**
 * Appends one chart to `parent` and draws it.
 * spec: { id, title, unit: 'count'|'bytes'|'percent', stepSeconds, times: [ms], series: [{ label,
 * values: [number|null] }], summary: text for screen readers, gaps: text saying what null means }
 * Returns the figure.
 */
export const drawChart = (parent, spec) => {
  const format = formats[spec.unit];
  const headingId = `${spec.id}-heading`;
  const legend = el(
    'ul',
    { className: 'legend' },
    ...spec.series.map((s, i) => {
      // Said in words too: a line that coincides with an earlier one all along is not missing.
      const drawn = s.values.some((v) => v !== null && v !== undefined);
      const twin = drawn ? spec.series.findIndex((o, j) => j < i && same(o.values, s.values)) : -1;
      return el(
        'li',
        {},
        el('span', {
          className: `swatch ${STYLES[i].css}`,
          style: `border-top-color: ${STYLES[i].stroke}; border-top-width: ${Math.max(2, Math.round(STYLES[i].width))}px`,
        }),
        s.label,
        twin >= 0 ? el('span', { className: 'hint', 'data-same-as': spec.series[twin].label }, ` (the same line as ${spec.series[twin].label})`) : null,
      );
    }),
  );
  const canvasBox = el('div', { className: 'chart', 'aria-label': `${spec.title}. ${spec.summary}` });
  canvasBox.setAttribute('role', 'img');
  const figure = el(
    'figure',
    { id: spec.id, className: 'chart-figure', 'aria-labelledby': headingId },
    el('h3', { id: headingId }, spec.title),
    legend,
    canvasBox,
    dataTable(spec, format),
  );
  parent.append(figure);

  const data = [spec.times.map((t) => t / 1000), ...spec.series.map((s) => s.values)];
  const size = () => ({ width: Math.max(200, canvasBox.clientWidth), height: canvasBox.clientWidth < 500 ? 180 : 220 });
  const range = spec.unit === 'percent'
    ? () => [0, 1]
    : (u, min, max) => [0, max > 0 ? max * 1.1 : 1];
  const plot = new uPlot(
    {
      ...size(),
      legend: { show: false },
      cursor: { drag: { x: false, y: false, setScale: false } },
      scales: { x: { time: true }, y: { range } },
      axes: [
        { stroke: '#1a1a1a', grid: { stroke: '#e0e0e0' }, ticks: { stroke: '#c8c8c8' } },
        {
          stroke: '#1a1a1a',
          grid: { stroke: '#e0e0e0' },
          ticks: { stroke: '#c8c8c8' },
          size: 72,
          // Whole counts and whole bytes only: a chart of zeros must not label its axis 0.2 B.
          incrs: spec.unit === 'percent' ? undefined : WHOLE_STEPS,
          values: (u, splits) => splits.map((v) => format(v)),
        },
      ],
      series: [
        {},
        ...spec.series.map((s, i) => ({
          label: s.label,
          stroke: STYLES[i].stroke,
          dash: STYLES[i].dash,
          width: STYLES[i].width,
          spanGaps: false,
          points: { show: true, size: STYLES[i].width + 3 },
          value: (u, v) => (v === null || v === undefined ? 'no data' : format(v)),
        })),
      ],
    },
    data,
    canvasBox,
  );
  const chart = { root: figure, plot, observer: null };
  let lastWidth = canvasBox.clientWidth;
  chart.observer = new ResizeObserver(() => {
    if (canvasBox.clientWidth !== lastWidth) {
      lastWidth = canvasBox.clientWidth;
      plot.setSize(size());
    }
  });
  chart.observer.observe(canvasBox);
  live.add(chart);
  figure.dataset.points = String(spec.times.length);
  return figure;
};

/**
 * The chart's numbers as a table, without the intervals in which nothing at all happened (all
 * values null, or 0 unless spec.zeroIsData, as for a ratio).
 */
const dataTable = (spec, format) => {
  const rows = [];
  spec.times.forEach((t, i) => {
    const values = spec.series.map((s) => s.values[i]);
    const nothing = (v) => v === null || v === undefined || (v === 0 && !spec.zeroIsData);
    if (values.every(nothing)) return;
    rows.push({ t, values });
  });
  const names = ['Time', ...spec.series.map((s) => s.label)];
  const table = el(
    'table',
    {},
    el('caption', {}, `${spec.title}: ${spec.intervalName}, intervals with nothing to show left out`),
    el('thead', {}, el('tr', {}, ...names.map((n) => el('th', { scope: 'col' }, n)))),
    el(
      'tbody',
      {},
      ...rows.map((r) =>
        el(
          'tr',
          {},
          el('td', { 'data-label': names[0], 'data-value': new Date(r.t).toISOString() }, timeLabel(r.t, spec.stepSeconds)),
          ...r.values.map((v, i) =>
            el(
              'td',
              { 'data-label': names[i + 1], 'data-value': v === null || v === undefined ? '' : String(v) },
              v === null || v === undefined ? spec.gaps || 'no data' : format(v),
            ),
          ),
        ),
      ),
    ),
  );
  return el(
    'details',
    { className: 'chart-table' },
    el('summary', {}, `${spec.title} as a table`),
    rows.length > 0
      ? el('div', { className: 'table-wrap' }, table)
      : el('p', { className: 'empty' }, 'Nothing to show in this time range.'),
  );
};

/**
 * The time ranges offered by the range selects: span and bucket size, in seconds. "since" spans
 * the subject's life (from the first publish, or the first enrolment), so that a swarm a few
 * minutes old fills the chart instead of the last pixel of a day; the API picks its bucket size.
 */
export const RANGES = {
  since: { label: 'Since the start' },
  hour: { label: 'Last hour', span: 3600, step: 60, interval: 'per minute' },
  day: { label: 'Last 24 hours', span: 86400, step: 900, interval: 'per 15 minutes' },
  week: { label: 'Last 7 days', span: 7 * 86400, step: 3600, interval: 'per hour' },
  month: { label: 'Last 30 days', span: 30 * 86400, step: 6 * 3600, interval: 'per 6 hours' },
};

/** Offers the RANGES in a time-range <select>; `sinceLabel` names the start, chosen first. */
export const fillRangeSelect = (select, sinceLabel) =>
  select.replaceChildren(
    ...Object.entries(RANGES).map(([value, range]) =>
      el(
        'option',
        { value, selected: value === 'since' },
        value === 'since' ? `Since ${sinceLabel}` : `${range.label} (${range.interval})`,
      ),
    ),
  );

const MIN_SINCE_SPAN = 5 * 60 * 1000; // a swarm a minute old still gets a few buckets
const MAX_SINCE_SPAN = 365 * 86400 * 1000; // the API serves at most 366 days

/**
 * The query string for a range: from, to (now) and step. For "since", `since` is the start (an
 * ISO instant; null when unknown or nothing started: the last 24 hours then), and the API chooses
 * the step (at most 360 buckets).
 */
export const rangeQuery = (name, since = null) => {
  const to = new Date();
  if (name === 'since') {
    if (!since) return rangeQuery('day');
    const start = Math.min(Math.max(Date.parse(since), to.getTime() - MAX_SINCE_SPAN), to.getTime() - MIN_SINCE_SPAN);
    return `from=${encodeURIComponent(new Date(start).toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
  }
  const range = RANGES[name] || RANGES.day;
  const from = new Date(to.getTime() - range.span * 1000);
  return `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}&step=${range.step}`;
};

/** "per minute", "per 15 minutes", "per 6 hours", "per day": a bucket size in words. */
export const intervalName = (stepSeconds) => {
  const [n, unit] = stepSeconds % 86400 === 0 ? [stepSeconds / 86400, 'day'] : stepSeconds % 3600 === 0 ? [stepSeconds / 3600, 'hour'] : [stepSeconds / 60, 'minute'];
  return n === 1 ? `per ${unit}` : `per ${n} ${unit}s`;
};
