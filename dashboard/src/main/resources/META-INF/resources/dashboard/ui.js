// Small DOM helpers shared by the page modules.

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
