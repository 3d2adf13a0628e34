// Products page (#products) and one product's channels and swarm health (#product/{slug}).
import { api } from './api.js';
import { healthPanel } from './health.js';
import { el, fillTable, onSubmit, say, when } from './ui.js';

const $ = (id) => document.getElementById(id);
const path = (slug) => `/api/v1/products/${encodeURIComponent(slug)}`;

export const products = {
  init() {
    onSubmit($('new-product'), async (data) => {
      const product = await api('/api/v1/products', { method: 'POST', body: data });
      $('new-product').reset();
      await this.show();
      return `Created product ${product.name} (${product.slug}).`;
    });
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
    onSubmit($('new-channel'), async (data) => {
      const channel = await api(`${path(current)}/channels`, { method: 'POST', body: data });
      $('new-channel').reset();
      await this.show(current);
      return `Created channel ${channel.name}.`;
    });
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
