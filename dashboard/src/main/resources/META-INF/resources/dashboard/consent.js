// Devices and consent (#consent): counts of the organisation's devices and of their players'
// answers, now and over time, from GET /api/v1/devices/aggregates. Numbers only: the API names no
// device and no player.
import { api } from './api.js';
import { clearCharts, drawChart, fillRangeSelect, formats, intervalName, rangeQuery } from './charts.js';
import { el, say } from './ui.js';

const $ = (id) => document.getElementById(id);
let request = 0;
let since; // the first enrolment, as the API said (undefined: not asked yet)

const counts = (c) => {
  const item = (name, value, key) => [el('dt', {}, name), el('dd', { 'data-total': key }, formats.count(value))];
  return el(
    'dl',
    { className: 'totals', id: 'consent-now' },
    ...item('Enrolled devices', c.enrolledDevices, 'enrolledDevices'),
    ...item('Agreed to download from other players', c.downloadConsent, 'downloadConsent'),
    ...item('Agreed to upload to other players', c.uploadConsent, 'uploadConsent'),
    ...item('Never answered', c.neverAnswered, 'neverAnswered'),
    ...item('Revoked devices', c.revokedDevices, 'revokedDevices'),
  );
};

const render = (body, a) => {
  clearCharts(body);
  body.replaceChildren();
  body.append(el('h2', { id: 'consent-now-heading' }, 'Now'), counts(a.current));
  body.append(el('h2', { id: 'consent-time-heading' }, 'Over time'));
  const everything = a.buckets.some(
    (b) => b.enrolledDevices || b.downloadConsent || b.uploadConsent || b.enrolments || b.downloadGrants || b.uploadGrants || b.downloadWithdrawals || b.uploadWithdrawals,
  );
  if (!everything) {
    body.append(
      el('p', { className: 'empty', id: 'consent-empty' }, 'No device was enrolled and no player answered in this time range.'),
    );
    return;
  }
  const t = a.totals;
  const common = {
    times: a.buckets.map((b) => Date.parse(b.start)),
    stepSeconds: a.stepSeconds,
    intervalName: intervalName(a.stepSeconds),
  };
  const last = a.buckets[a.buckets.length - 1];
  drawChart(body, {
    ...common,
    id: 'consent-devices',
    title: 'Devices and their players’ consent',
    unit: 'count',
    series: [
      { label: 'Enrolled devices', values: a.buckets.map((b) => b.enrolledDevices) },
      { label: 'Download consent', values: a.buckets.map((b) => b.downloadConsent) },
      { label: 'Upload consent', values: a.buckets.map((b) => b.uploadConsent) },
    ],
    summary: `At the end of the time range: ${formats.count(last.enrolledDevices)} enrolled devices, ${formats.count(last.downloadConsent)} with download consent, ${formats.count(last.uploadConsent)} with upload consent.`,
  });
  drawChart(body, {
    ...common,
    id: 'consent-withdrawals',
    title: 'Consent withdrawn',
    unit: 'count',
    series: [
      { label: 'Download consent withdrawn', values: a.buckets.map((b) => b.downloadWithdrawals) },
      { label: 'Upload consent withdrawn', values: a.buckets.map((b) => b.uploadWithdrawals) },
    ],
    summary: `${formats.count(t.downloadWithdrawals)} withdrawals of download consent and ${formats.count(t.uploadWithdrawals)} of upload consent in this time range.`,
  });
  drawChart(body, {
    ...common,
    id: 'consent-grants',
    title: 'Consent given',
    unit: 'count',
    series: [
      { label: 'Download consent given', values: a.buckets.map((b) => b.downloadGrants) },
      { label: 'Upload consent given', values: a.buckets.map((b) => b.uploadGrants) },
    ],
    summary: `${formats.count(t.downloadGrants)} players agreed to download from peers and ${formats.count(t.uploadGrants)} to upload to them in this time range.`,
  });
  body.append(
    el('p', { className: 'hint' }, 'A device counts from its enrolment until it is revoked; its consent is its player’s latest answer at that time.'),
  );
};

export const consent = {
  init() {
    fillRangeSelect($('consent-range'), 'the first enrolment');
    $('consent-range').addEventListener('change', () => this.show());
    $('consent-refresh').addEventListener('click', () => this.show());
  },
  async show() {
    const body = $('consent-body');
    const status = $('consent-status');
    const range = $('consent-range').value;
    const mine = ++request;
    say(status, 'Loading the counts…', 'ok');
    body.setAttribute('aria-busy', 'true');
    try {
      let aggregates;
      if (range === 'since' && since === undefined) {
        // The first look learns when the first device enrolled, then asks for that span.
        aggregates = await api(`/api/v1/devices/aggregates?${rangeQuery('day')}`);
        since = aggregates.since ?? null;
        if (since) aggregates = await api(`/api/v1/devices/aggregates?${rangeQuery('since', since)}`);
      } else {
        aggregates = await api(`/api/v1/devices/aggregates?${rangeQuery(range, since)}`);
        since = aggregates.since ?? null;
      }
      if (mine !== request) return;
      render(body, aggregates);
      say(status, '');
      body.dataset.loaded = 'true';
    } catch (e) {
      if (mine !== request) return;
      clearCharts(body);
      body.replaceChildren();
      say(status, `Could not load the device and consent counts: ${e.message}`, 'error');
    } finally {
      if (mine === request) body.removeAttribute('aria-busy');
    }
  },
};
