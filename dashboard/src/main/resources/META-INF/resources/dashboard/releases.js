// A channel's releases (#channel/{product}/{channel}): list with pipeline state and rollout;
// release managers publish a patch (resumable archive upload, then the release pipeline),
// publish to a share of devices, widen, pause, resume and roll back. Below, the swarm health of
// a release chosen from the list (the newest published one first).
import { ApiError, api, putBytes } from './api.js';
import { healthPanel } from './health.js';
import { allows, askRollout, confirmAction, el, fillTable, say, when } from './ui.js';

const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;
const CHUNK = 8 * 1024 * 1024;
const BUILDING = ['QUEUED', 'CHUNKING', 'ENCRYPTING', 'PACKING', 'SIGNING'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let current = null; // { product, channel }
let refreshTimer = null;
let healthShownFor = null; // the channel whose health was last loaded
let lastList = []; // the releases last listed

const releaseSelect = () => $('channel-health-release');

const health = healthPanel('channel-health', () => {
  const id = releaseSelect().value;
  if (!id) return null;
  const option = releaseSelect().selectedOptions[0];
  return { path: `/api/v1/releases/${enc(id)}/health`, what: option.dataset.what, since: option.dataset.since || null };
});

/** Offers the built releases, newest first; keeps the choice, else the newest published one. */
const offerReleases = (list, reached) => {
  const select = releaseSelect();
  const built = list.filter((r) => r.version);
  const before = select.value;
  const published = built.find((r) => r.publishedAt);
  const chosen = built.some((r) => r.id === before) ? before : (published || built[0])?.id || '';
  select.replaceChildren(
    ...built.map((r) =>
      el(
        'option',
        { value: r.id, selected: r.id === chosen, 'data-what': `version ${r.version} (“${r.displayVersion}”)`, 'data-since': r.publishedAt || '' },
        `Version ${r.version} (“${r.displayVersion}”), ${rolloutText(r, reached)}`,
      ),
    ),
  );
  if (built.length === 0) {
    select.append(el('option', { value: '' }, 'No release built yet'));
  }
  select.value = chosen;
  select.disabled = built.length === 0;
  return chosen !== before;
};

const releasesPath = () => `/api/v1/products/${enc(current.product)}/channels/${enc(current.channel)}/releases`;
const mayPublish = () => allows(document.body.dataset.role, 'RELEASE_MANAGER');

const stateText = (r) => {
  if (r.state === 'FAILED') return `failed: ${r.error || 'no reason given'}`;
  if (BUILDING.includes(r.state)) return `building: ${r.state.toLowerCase()}, ${r.percent}%`;
  if (r.rollbackOf) return `ready (roll-back to version ${r.rollbackOf})`;
  return 'ready';
};

/**
 * Who gets each release now, by the control plane's rule (Publishing): a device's bucket (0 to 99)
 * takes the newest published, unpaused release whose rollout is above it. Once a newer release
 * covers a bucket, an older release set to "100 %" no longer reaches it, so the share a release is
 * set to is not the share it reaches. Returns, per release id, the buckets it reaches and, for
 * the buckets it would reach but does not, the versions that took them.
 */
const reach = (list) => {
  const live = list.filter((r) => r.publishedAt && !r.paused).sort((a, b) => b.version - a.version);
  const holder = Array.from({ length: 100 }, (_, bucket) => live.find((r) => bucket < r.rollout) || null);
  const result = new Map();
  for (const r of list.filter((x) => x.publishedAt)) {
    const takenBy = new Set();
    let share = 0;
    for (let bucket = 0; bucket < r.rollout; bucket += 1) {
      if (holder[bucket] === r) share += 1;
      else if (holder[bucket] && holder[bucket].version > r.version) takenBy.add(holder[bucket].version);
    }
    result.set(r.id, { share, takenBy: [...takenBy].sort((a, b) => b - a) });
  }
  return result;
};

/** The release most devices get now (the newer one on a tie), or null if none is offered. */
const currentOf = (list, reached) => {
  let best = null;
  for (const r of list) {
    const share = reached.get(r.id)?.share || 0;
    if (share > 0 && (!best || share > best.share || (share === best.share && r.version > best.version))) {
      best = { id: r.id, share, version: r.version };
    }
  }
  return best?.id || null;
};

const versions = (list) => (list.length === 1 ? `version ${list[0]}` : `versions ${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`);

const rolloutText = (r, reached) => {
  if (!r.publishedAt) return r.state === 'READY' ? 'not published' : '—';
  if (r.paused) return `${r.rollout}% of devices, paused`;
  const { share, takenBy } = reached.get(r.id);
  if (share === 0 && takenBy.length > 0) return `replaced by ${versions(takenBy)}`;
  if (share === r.rollout) return `${r.rollout}% of devices`;
  return `${share}% of devices (set to ${r.rollout}%; ${versions(takenBy)} reached the other ${r.rollout - share}%)`;
};

/** A byte count for people: B, KiB, MiB or GiB. */
const size = (n) => {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${v.toFixed(1)} ${units[u]}`;
};

/** Full download, and what a device one release behind fetches (the patch from version - 1). */
const downloadText = (r) => {
  if (r.fullPackBytes == null) return '—';
  const full = `full ${size(r.fullPackBytes)}`;
  return r.deltaPackBytes == null ? full : `${full}; patch from ${r.version - 1}: ${size(r.deltaPackBytes)}`;
};

/** The chosen release's full size and its patch size from each earlier version it serves. */
const showSizes = async (list) => {
  const node = $('release-sizes');
  const id = releaseSelect().value;
  const r = list.find((x) => x.id === id);
  if (!r || r.fullPackBytes == null) {
    node.hidden = true;
    return;
  }
  let deltas = [];
  try {
    deltas = await api(`/api/v1/releases/${enc(id)}/deltas`);
  } catch (e) {
    say(node, `Could not load the patch sizes: ${e.message}`);
    return;
  }
  const patches = deltas.map((d) => `from version ${d.fromVersion}: ${size(d.bytes)}`);
  node.textContent =
    `Version ${r.version}: full download ${size(r.fullPackBytes)}; ` +
    (patches.length ? `patches ${patches.join(', ')}.` : 'no patches (no earlier version served).');
  node.hidden = false;
};

const button = (label, name, action, kind = 'small') =>
  el('button', { type: 'button', className: kind, onclick: action, 'aria-label': `${label} ${name}` }, label);

const status = (message, kind = 'ok') => say($('releases-status'), message, kind);

/** Runs a release action; says what happened, or why not, then reloads the list. */
const act = async (done, fn) => {
  status('');
  try {
    await fn();
    status(done);
  } catch (e) {
    status(e.message, 'error');
  }
  await channel.load();
};

const actions = (r, newestPublished, reached) => {
  if (!mayPublish() || r.state !== 'READY') return '';
  const name = `version ${r.version}`;
  const id = enc(r.id);
  const cell = el('div', { className: 'actions' });
  if (!r.publishedAt) {
    cell.append(
      button('Publish…', name, async () => {
        const rollout = await askRollout(`Publish version ${r.version}`, `“${r.displayVersion}” goes to this share of devices first; you can widen it later.`, 'Publish', 10);
        if (rollout === null) return;
        await act(`Published version ${r.version} to ${rollout}% of devices.`, () =>
          api(`/api/v1/releases/${id}/publish`, { method: 'POST', body: { rollout } }));
      }),
    );
    return cell;
  }
  // A replaced release reaches no device: widening or pausing it would change nothing.
  const replaced = !r.paused && reached.get(r.id).share === 0 && reached.get(r.id).takenBy.length > 0;
  if (r.rollout < 100 && !replaced) {
    cell.append(
      button('Widen…', name, async () => {
        const rollout = await askRollout(`Widen the rollout of version ${r.version}`, `It reaches ${r.rollout}% of devices now. A rollout only widens; to stop it, pause it.`, 'Widen rollout', 100);
        if (rollout === null) return;
        await act(`Version ${r.version} now goes to ${rollout}% of devices.`, () =>
          api(`/api/v1/releases/${id}/rollout`, { method: 'PATCH', body: { rollout } }));
      }),
    );
  }
  if (r.paused || !replaced) {
    cell.append(
    r.paused
      ? button('Resume', name, () => act(`Resumed the rollout of version ${r.version}.`, () => api(`/api/v1/releases/${id}/resume`, { method: 'POST' })))
      : button('Pause', name, () => act(`Paused the rollout of version ${r.version}: devices not on it yet are no longer offered it.`, () => api(`/api/v1/releases/${id}/pause`, { method: 'POST' }))),
    );
  }
  if (newestPublished && r.version < newestPublished) {
    cell.append(
      button('Roll back to this…', name, async () => {
        const sure = await confirmAction(`Roll back to version ${r.version}?`, `Shoal publishes a new version with the content of version ${r.version} (“${r.displayVersion}”) to every device at once.`, 'Roll back');
        if (!sure) return;
        await act(`Rolling back to version ${r.version}: a new version with its content goes to every device.`, () =>
          api(`/api/v1/products/${enc(current.product)}/channels/${enc(current.channel)}/rollback`, { method: 'POST', body: { version: r.version } }));
      }, 'small danger'),
    );
  }
  return cell;
};

/** Sends the archive in Content-Range chunks; after a network failure, asks how much arrived and resumes. */
const uploadArchive = async (uploadId, file, progress) => {
  const total = file.size;
  if (total === 0) throw new ApiError('The archive is empty.');
  const path = `/api/v1/uploads/${enc(uploadId)}/archive`;
  let offset = 0;
  let retries = 3;
  while (offset < total) {
    const end = Math.min(offset + CHUNK, total);
    try {
      const received = await putBytes(path, file.slice(offset, end), { 'Content-Range': `bytes ${offset}-${end - 1}/${total}` });
      offset = received.received;
    } catch (e) {
      if (e.status !== 0 || retries-- === 0) throw e;
      progress(offset / total, 'The connection failed; resuming the upload…');
      await sleep(2000);
      offset = (await api(path)).received;
    }
    progress(offset / total);
  }
};

const publishPatch = async (form) => {
  const message = form.querySelector('.message');
  const bar = $('release-progress');
  const show = (fraction, text) => {
    bar.hidden = false;
    form.querySelector('.progress-label').hidden = false;
    bar.value = Math.round(fraction * 100);
    if (text) say(message, text, 'ok');
  };
  const data = new FormData(form);
  const file = data.get('archive');
  const displayVersion = data.get('displayVersion');
  const target = { ...current };
  const base = `/api/v1/products/${enc(target.product)}`;
  show(0, `Uploading ${file.name}…`);
  const upload = await api(`${base}/uploads`, { method: 'POST', body: {} });
  await uploadArchive(upload.id, file, (f, text) => show(f, text || `Uploading ${file.name}: ${Math.round(f * 100)}%`));
  show(1, 'Upload complete; checking the archive…');
  await api(`/api/v1/uploads/${enc(upload.id)}/complete`, { method: 'POST' });
  let release = await api(`${base}/channels/${enc(target.channel)}/releases`, {
    method: 'POST',
    body: { uploadId: upload.id, displayVersion },
  });
  if (current && current.product === target.product && current.channel === target.channel) await channel.load();
  while (BUILDING.includes(release.state)) {
    show(release.percent / 100, `Building the release: ${release.state.toLowerCase()}, ${release.percent}%`);
    await sleep(1000);
    release = await api(`/api/v1/releases/${enc(release.id)}`);
  }
  await channel.load();
  if (release.state === 'FAILED') throw new ApiError(`The release could not be built: ${release.error || 'no reason given'}.`);
  form.reset();
  bar.hidden = true;
  form.querySelector('.progress-label').hidden = true;
  return `Version ${release.version} (“${release.displayVersion}”) is ready. Publish it from the list above.`;
};

export const channel = {
  init() {
    health.init();
    releaseSelect().addEventListener('change', () => {
      health.load();
      showSizes(lastList);
    });
    const form = $('new-release');
    if (!form) return;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const message = form.querySelector('.message');
      const submit = form.querySelector('button[type=submit]');
      submit.disabled = true;
      say(message, '');
      try {
        say(message, await publishPatch(form), 'ok');
      } catch (e) {
        say(message, `Could not publish the patch: ${e.message}`, 'error');
      } finally {
        submit.disabled = false;
      }
    });
  },
  async show(product, channelName) {
    const changed = !current || current.product !== product || current.channel !== channelName;
    current = { product, channel: channelName };
    if (changed) {
      status('');
      fillTable($('releases'), [], null);
      $('no-releases').hidden = true;
      releaseSelect().replaceChildren();
      health.clear();
    }
    healthShownFor = null; // load it again each time the page is shown
    $('channel-back').href = `#product/${enc(product)}`;
    $('channel-back').textContent = `← Product ${product}`;
    $('channel-heading').textContent = `Releases of ${product} / ${channelName}`;
    await this.load();
  },
  async load() {
    clearTimeout(refreshTimer);
    say($('channel-error'), '');
    const shownFor = current;
    let list;
    try {
      list = await api(releasesPath());
    } catch (e) {
      say($('channel-error'), `Could not load the releases: ${e.message}`);
      return;
    }
    if (shownFor !== current) return;
    const newestPublished = Math.max(0, ...list.filter((r) => r.publishedAt).map((r) => r.version));
    const reached = reach(list);
    const currentId = currentOf(list, reached);
    const rows = list.map((r) => [
      r.version ? String(r.version) : '—',
      r.id === currentId
        ? el('span', {}, r.displayVersion || '—', ' ', el('strong', { className: 'badge' }, 'current'))
        : r.displayVersion || '—',
      stateText(r),
      rolloutText(r, reached),
      downloadText(r),
      when(r.publishedAt),
      actions(r, newestPublished, reached),
    ]);
    fillTable($('releases'), rows, $('no-releases'));
    // The row of the release most devices get now stands out (its "current" badge says it in words).
    const currentRow = [...$('releases').rows].find((_, i) => list[i].id === currentId);
    if (currentRow) currentRow.classList.add('current');
    const choiceChanged = offerReleases(list, reached);
    lastList = list;
    await showSizes(list);
    if (choiceChanged || healthShownFor !== shownFor) {
      healthShownFor = shownFor;
      if (releaseSelect().value) {
        await health.load();
      } else {
        health.clear();
        $('channel-health-body').append(
          el('p', { className: 'empty' }, 'No release of this channel is built yet: its swarm health shows here once one is.'),
        );
      }
    }
    // Runs still in the pipeline: look again shortly, while this page is shown.
    if (list.some((r) => BUILDING.includes(r.state))) {
      refreshTimer = setTimeout(() => {
        if (!$('page-channel').hidden && shownFor === current) this.load();
      }, 2000);
    }
  },
  leave() {
    clearTimeout(refreshTimer);
  },
};
