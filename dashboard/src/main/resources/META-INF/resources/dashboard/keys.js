// Signing keys page (#keys, admins): the trust root's version, rotate the organisation's release
// signing key (after confirming), rotate a product's content key.
import { api } from './api.js';
import { confirmAction, el, onSubmit, say } from './ui.js';

const $ = (id) => document.getElementById(id);

const trustRoot = async () => {
  const org = encodeURIComponent(document.body.dataset.organisation);
  const rotations = await api(`/api/v1/trust-root/rotations?organisation=${org}`);
  const latest = rotations.length ? rotations[rotations.length - 1].version : null;
  $('trust-root').textContent = latest
    ? `Trust root: version ${latest} (${rotations.length} in its history).`
    : 'Trust root: none yet; it is made with the first release.';
};

export const keys = {
  init() {
    $('rotate-signing')?.addEventListener('click', async () => {
      say($('signing-status'), '');
      const sure = await confirmAction(
        'Rotate the release signing key?',
        'New releases are signed with a new key, and devices move to a new trust-root version the next time they check. Published releases keep working.',
        'Rotate signing key',
      );
      if (!sure) return;
      try {
        const rotated = await api('/api/v1/keys/signing/rotate', { method: 'POST' });
        say($('signing-status'), `Rotated: new key ${rotated.keyId}, trust root version ${rotated.trustRootVersion}.`, 'ok');
        await trustRoot();
      } catch (e) {
        say($('signing-status'), `Could not rotate the signing key: ${e.message}`, 'error');
      }
    });
    onSubmit($('rotate-content'), async ({ product }) => {
      const rotated = await api(`/api/v1/products/${encodeURIComponent(product)}/content-keys/rotate`, { method: 'POST' });
      return `Rotated the content key of ${product}: new releases use key ${rotated.contentKeyId}.`;
    });
  },
  async show() {
    say($('keys-error'), '');
    if (!$('rotate-signing')) {
      say($('keys-error'), 'Only admins of your organisation manage keys.');
      return;
    }
    try {
      const [, products] = await Promise.all([trustRoot(), api('/api/v1/products')]);
      const select = $('content-product');
      const chosen = select.value;
      select.replaceChildren(...products.map((p) => el('option', { value: p.slug }, `${p.name} (${p.slug})`)));
      if (chosen) select.value = chosen;
      select.closest('form').querySelector('button[type=submit]').disabled = products.length === 0;
    } catch (e) {
      say($('keys-error'), `Could not load the keys: ${e.message}`);
    }
  },
};
