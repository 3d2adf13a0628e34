// Products page (#products) and one product's channels and swarm health (#product/{slug}).
import { api } from './api.js';
import { healthPanel } from './health.js';
import { el, fillTable, onCreate, say, when } from './ui.js';

const $ = (id) => document.getElementById(id);
const path = (slug) => `/api/v1/products/${encodeURIComponent(slug)}`;

export const products = {
  init() {
    onCreate($('new-product'), () => '/api/v1/products', () => this.show(), (product) => `Created product ${product.name} (${product.slug}).`);
  },
  async show() {
    const list = await api('/api/v1/products');
    const rows = list.map((p) => [
      el('a', { href: `#product/${encodeURIComponent(p.slug)}` }, p.slug),
      p.name,
      when(p.createdAt),
    ]);
    fillTable($('products'), rows, $('no-products'));
  },
};

let current = null;

const health = healthPanel('product-health', () =>
  current === null ? null : { path: `${path(current)}/health`, what: `product ${current}` },
);

export const product = {
  init() {
    health.init();
    onCreate($('new-channel'), () => `${path(current)}/channels`, () => this.show(current), (channel) => `Created channel ${channel.name}.`);
  },
  async show(slug) {
    const formMessage = $('new-channel')?.querySelector('.message'); // absent for viewers
    if (slug !== current && formMessage) say(formMessage, '');
    current = slug;
    say($('product-error'), '');
    $('product-heading').textContent = `Product ${slug}`;
    fillTable($('channels'), [], null);
    try {
      const [p, channels] = await Promise.all([api(path(slug)), api(`${path(slug)}/channels`)]);
      $('product-heading').textContent = `${p.name} (${p.slug})`;
      const link = (c) => el('a', { href: `#channel/${encodeURIComponent(slug)}/${encodeURIComponent(c.name)}` }, c.name);
      fillTable($('channels'), channels.map((c) => [link(c), when(c.createdAt)]), $('no-channels'));
    } catch (e) {
      say($('product-error'), `Could not load this product: ${e.message}`);
      health.clear();
      return;
    }
    await health.load();
  },
};
