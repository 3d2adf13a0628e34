// Starts the dashboard: who is signed in, what their role offers, and hash navigation
// (#products, #product/{slug}, #channel/{slug}/{channel}, #devices, #consent, #keys, #api-keys,
// #users).
import { api, signOut } from './api.js';
import { allows, roleName, say } from './ui.js';
import { product, products } from './products.js';
import { apiKeys } from './apikeys.js';
import { users } from './users.js';
import { channel } from './releases.js';
import { devices } from './devices.js';
import { consent } from './consent.js';
import { keys } from './keys.js';

const $ = (id) => document.getElementById(id);

const pages = {
  products: { section: 'page-products', title: 'Products', module: products },
  product: { section: 'page-product', title: 'Product', module: product },
  channel: { section: 'page-channel', title: 'Releases', module: channel },
  devices: { section: 'page-devices', title: 'Devices', module: devices },
  consent: { section: 'page-consent', title: 'Devices and consent', module: consent },
  keys: { section: 'page-keys', title: 'Keys', module: keys },
  'api-keys': { section: 'page-api-keys', title: 'API keys', module: apiKeys },
  users: { section: 'page-users', title: 'Users', module: users },
};

let shown = null;

const route = async () => {
  const [name, ...rest] = (window.location.hash.slice(1) || 'products').split('/');
  const page = pages[name] || pages.products;
  if (shown && shown !== page) shown.module.leave?.();
  for (const p of Object.values(pages)) $(p.section).hidden = p !== page;
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.getAttribute('href') === `#${name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const args = rest.map(decodeURIComponent);
  document.title = `${args.length ? args.join(' / ') + ' · ' : ''}${page.title} · Shoal dashboard`;
  say($('error'), '');
  const first = shown === null;
  shown = page;
  // Move focus to the new page's heading so screen readers announce it (not on first load).
  if (!first) {
    window.scrollTo(0, 0);
    document.querySelector(`#${page.section} h1`).focus({ preventScroll: true });
  }
  try {
    await page.module.show(...args);
  } catch (e) {
    say($('error'), `Could not load ${page.title.toLowerCase()}: ${e.message}`);
  }
};

const start = async () => {
  const me = await api('/api/v1/me');
  $('who').textContent = `${me.name} · ${me.organisation.name} · ${roleName(me.role)}`;
  document.body.dataset.role = me.role;
  document.body.dataset.organisation = me.organisation.slug;
  // What the role may not do is not offered at all.
  for (const node of document.querySelectorAll('[data-min-role]')) {
    if (!allows(me.role, node.dataset.minRole)) node.remove();
  }
  const signout = $('signout');
  signout.hidden = false;
  signout.addEventListener('click', () => signOut().catch((e) => say($('error'), e.message)));
  $('nav').hidden = false;
  for (const page of Object.values(pages)) page.module.init?.();
  window.addEventListener('hashchange', route);
  await route();
  document.body.dataset.ready = 'true';
};

start().catch((e) => {
  $('who').textContent = 'Could not load your account.';
  say($('error'), e.message);
});
