// Devices page (#devices): the organisation's enrolled devices; admins revoke one, or every device
// enrolled since a time, after confirming.
import { api } from './api.js';
import { allows, confirmAction, el, fillTable, loadList, onSubmit, say, when } from './ui.js';

const $ = (id) => document.getElementById(id);

/** Devices per page: an organisation may have a million; the API pages them newest first. */
const PAGE = 100;

/** Active, revoked by an admin, or left: its player uninstalled the agent. */
const status = (d) => {
  if (!d.revokedAt) return 'active';
  return d.revokedBy === 'PLAYER' ? `left ${when(d.revokedAt)} (agent uninstalled)` : `revoked ${when(d.revokedAt)}`;
};

/** What the device last reported installing: product, version and the players' name for it. */
const installed = (d) =>
  d.installedVersion == null ? 'nothing reported' : `${d.installedProduct} version ${d.installedVersion} (“${d.installedDisplayVersion}”)`;

/** "3 minutes ago", with the exact time in a tooltip: people scan recency, not timestamps. */
const ago = (iso) => {
  if (!iso) return '—';
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  const [value, unit] =
    seconds < 60 ? [seconds, 'second'] : seconds < 3600 ? [Math.floor(seconds / 60), 'minute'] : seconds < 86400 ? [Math.floor(seconds / 3600), 'hour'] : [Math.floor(seconds / 86400), 'day'];
  return el('time', { dateTime: iso, title: when(iso) }, seconds < 10 ? 'just now' : `${value} ${unit}${value === 1 ? '' : 's'} ago`);
};

export const devices = {
  shown: [],
  init() {
    $('devices-more').addEventListener('click', () => this.more());
    onSubmit($('revoke-since'), async ({ since }) => {
      const at = new Date(since);
      if (Number.isNaN(at.getTime())) throw new Error('Choose a date and a time.');
      const sure = await confirmAction(
        'Revoke every device enrolled since then?',
        `Every device enrolled since ${at.toLocaleString()} gets no more content keys, peer lists or downloads, at once. Each would have to enrol again.`,
        'Revoke devices',
      );
      if (!sure) return '';
      const done = await api('/api/v1/devices/revocations', { method: 'POST', body: { enrolledSince: at.toISOString() } });
      await this.show();
      return `Revoked ${done.revoked} device${done.revoked === 1 ? '' : 's'} enrolled since ${at.toLocaleString()}.`;
    });
  },
  async show() {
    this.shown = [];
    await this.more();
  },
  /** Adds the next page of devices (the first when none is shown) below those shown. */
  async more() {
    const after = this.shown.length ? `&after=${encodeURIComponent(this.shown[this.shown.length - 1].id)}` : '';
    const page = await loadList(() => api(`/api/v1/devices?limit=${PAGE}${after}`), $('devices'), $('devices-error'), 'devices');
    if (!page) return;
    this.shown = this.shown.concat(page);
    $('devices-more').hidden = page.length < PAGE;
    const admin = allows(document.body.dataset.role, 'ADMIN');
    const rows = this.shown.map((d) => [
      el('code', {}, d.id),
      d.player || '—',
      installed(d),
      ago(d.lastSeenAt),
      d.region || 'unknown',
      when(d.createdAt),
      status(d),
      admin && !d.revokedAt
        ? el('button', { type: 'button', className: 'danger small', onclick: () => this.revoke(d), 'aria-label': `Revoke device ${d.id}` }, 'Revoke')
        : '',
    ]);
    fillTable($('devices'), rows, $('no-devices'));
  },
  async revoke(device) {
    say($('devices-status'), '');
    const sure = await confirmAction(
      'Revoke this device?',
      `Device ${device.id} gets no more content keys, peer lists or downloads, at once. It would have to enrol again.`,
      'Revoke device',
    );
    if (!sure) return;
    try {
      await api(`/api/v1/devices/${encodeURIComponent(device.id)}`, { method: 'DELETE' });
      say($('devices-status'), `Revoked device ${device.id}.`, 'ok');
    } catch (e) {
      say($('devices-status'), `Could not revoke device ${device.id}: ${e.message}`, 'error');
    }
    await this.show();
    $('devices-heading').focus();
  },
};
