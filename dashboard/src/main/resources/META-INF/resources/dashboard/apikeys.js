// API keys page (#api-keys, admins): create (secret shown once), list, revoke after confirming.
import { api } from './api.js';
import { confirmAction, el, fillTable, loadList, onCreate, roleName, say, when } from './ui.js';

const $ = (id) => document.getElementById(id);

const showSecret = (key) => {
  $('new-key-name').textContent = `“${key.name}”`;
  $('new-key-token').value = key.token;
  say($('copy-status'), '');
  $('new-key').hidden = false;
  $('new-key-heading').focus();
};

const hideSecret = () => {
  if (!$('new-key')) return;
  $('new-key-token').value = '';
  $('new-key').hidden = true;
  say($('copy-status'), '');
};

const copy = async () => {
  const input = $('new-key-token');
  try {
    await navigator.clipboard.writeText(input.value);
    say($('copy-status'), 'Copied to the clipboard.', 'ok');
  } catch {
    input.focus();
    input.select();
    say($('copy-status'), 'Your browser did not allow copying: the key is selected, press Ctrl+C (or ⌘C).', 'error');
  }
};

export const apiKeys = {
  init() {
    $('copy-key')?.addEventListener('click', copy);
    $('done-key')?.addEventListener('click', () => {
      hideSecret();
      $('api-keys-heading').focus();
    });
    onCreate($('new-api-key'), () => '/api/v1/api-keys', () => this.show(), (key) => {
      showSecret(key);
      return `Created API key ${key.name}.`;
    });
  },
  async show() {
    const keys = await loadList(() => api('/api/v1/api-keys'), $('api-keys'), $('api-keys-error'), 'API keys');
    if (!keys) return;
    const rows = keys.map((k) => [
      k.name,
      roleName(k.role),
      k.prefix,
      when(k.createdAt),
      k.lastUsedAt ? when(k.lastUsedAt) : 'never',
      k.revokedAt ? `revoked ${when(k.revokedAt)}` : 'active',
      k.revokedAt
        ? ''
        : el('button', { type: 'button', className: 'danger small', onclick: () => this.revoke(k), 'aria-label': `Revoke ${k.name}` }, 'Revoke'),
    ]);
    fillTable($('api-keys'), rows, $('no-api-keys'));
  },
  async revoke(key) {
    say($('api-keys-status'), '');
    const sure = await confirmAction(
      'Revoke this API key?',
      `“${key.name}” (${key.prefix}) stops working at once for every program that uses it. This cannot be undone.`,
      'Revoke key',
    );
    if (!sure) return;
    try {
      await api(`/api/v1/api-keys/${encodeURIComponent(key.id)}`, { method: 'DELETE' });
      say($('api-keys-status'), `Revoked API key ${key.name}.`, 'ok');
    } catch (e) {
      say($('api-keys-status'), `Could not revoke ${key.name}: ${e.message}`, 'error');
    }
    await this.show();
    $('api-keys-heading').focus();
  },
  leave: hideSecret,
};
