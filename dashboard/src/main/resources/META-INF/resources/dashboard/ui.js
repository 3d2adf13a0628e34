// Small DOM helpers shared by the page modules.
import { api } from './api.js';

/** Creates an element: el('td', {className: 'x'}, 'text', child...). */
export const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key.startsWith('data-') || key.startsWith('aria-')) node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

export const roleName = (role) =>
  ({ ADMIN: 'admin', RELEASE_MANAGER: 'release manager', VIEWER: 'viewer' })[role] || role;

const RANK = { VIEWER: 1, RELEASE_MANAGER: 2, ADMIN: 3 };
export const allows = (role, needed) => (RANK[role] || 0) >= (RANK[needed] || 0);

/** Shows a message in a form's message line: kind 'error' or 'ok'; '' hides it. */
export const say = (node, message, kind = 'error') => {
  node.textContent = message;
  node.className = `message ${kind}`;
  node.hidden = !message;
};

/** Fills a tbody with rows (arrays of cells: strings or nodes); shows the empty note if none. */
export const fillTable = (tbody, rows, emptyNote) => {
  if (!tbody) return; // removed: the role may not see it
  // Each cell carries its column's name: narrow screens show rows as labelled cards.
  const names = [...tbody.closest('table').querySelectorAll('thead th')].map((th) => th.dataset.label ?? th.textContent);
  tbody.replaceChildren(
    ...rows.map((cells) =>
      el('tr', {}, ...cells.map((c, i) => el('td', { 'data-label': names[i] || '' }, c))),
    ),
  );
  if (emptyNote) emptyNote.hidden = rows.length > 0;
};

/**
 * Loads what a page lists with load(): clears the page's error line and resolves to the list; on a
 * failure empties the table, says "Could not load the {what}: …" and resolves to null.
 */
export const loadList = async (load, tbody, error, what) => {
  say(error, '');
  try {
    return await load();
  } catch (e) {
    fillTable(tbody, [], null);
    say(error, `Could not load the ${what}: ${e.message}`);
    return null;
  }
};

/**
 * A form that creates something: POSTs its data to path(), empties the form, shows the page again
 * with reload() and says what was made with said(created).
 */
export const onCreate = (form, path, reload, said) =>
  onSubmit(form, async (data) => {
    const created = await api(path(), { method: 'POST', body: data });
    form.reset();
    await reload();
    return said(created);
  });

/**
 * Runs a form's submit through fn(data); errors go to the form's .message line in plain words,
 * and the submit button is disabled while the request runs.
 */
export const onSubmit = (form, fn) => {
  if (!form) return; // removed: the role may not do it
  const message = form.querySelector('.message');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    say(message, '');
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const ok = await fn(Object.fromEntries(new FormData(form)));
      if (ok) say(message, ok, 'ok');
    } catch (e) {
      say(message, e.message, 'error');
    } finally {
      button.disabled = false;
    }
  });
};

/** Asks in the modal #confirm dialog; resolves true when the person confirms. */
export const confirmAction = (heading, text, yes) =>
  new Promise((resolve) => {
    const dialog = document.getElementById('confirm');
    document.getElementById('confirm-heading').textContent = heading;
    document.getElementById('confirm-text').textContent = text;
    document.getElementById('confirm-yes').textContent = yes;
    dialog.returnValue = '';
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
    dialog.showModal();
  });

/** Asks for a rollout percentage in the modal #rollout dialog; resolves to a number or null. */
export const askRollout = (heading, text, yes, value) =>
  new Promise((resolve) => {
    const dialog = document.getElementById('rollout');
    const input = document.getElementById('rollout-percent');
    document.getElementById('rollout-heading').textContent = heading;
    document.getElementById('rollout-text').textContent = text;
    document.getElementById('rollout-yes').textContent = yes;
    input.value = value;
    dialog.returnValue = '';
    dialog.addEventListener(
      'close',
      () => resolve(dialog.returnValue === 'yes' ? Number(input.value) : null),
      { once: true },
    );
    dialog.showModal();
    input.select();
  });
