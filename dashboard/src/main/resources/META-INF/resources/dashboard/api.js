// Talks to the public REST API under /api/v1 with the session cookie. Spring Security's SPA CSRF
// mode: the token is the XSRF-TOKEN cookie's value, sent back in the X-XSRF-TOKEN header on every
// unsafe request. Every failure becomes an ApiError whose message is plain words for a person.

export class ApiError extends Error {
  constructor(message, status = 0, fields = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.fields = fields;
  }
}

export const cookie = (name) =>
  document.cookie
    .split('; ')
    .find((c) => c.startsWith(name + '='))
    ?.slice(name.length + 1);

const csrfHeaders = () => {
  const token = cookie('XSRF-TOKEN');
  return token ? { 'X-XSRF-TOKEN': decodeURIComponent(token) } : {};
};

const NETWORK =
  'Could not reach the Shoal control plane. Check your network connection, then try again.';

/**
 * fetch() with the session cookie; resolves to a successful response, rejects with an ApiError when
 * the network fails, the session has ended (then it goes to the sign-in page) or the answer is a
 * problem.
 */
const send = async (path, init) => {
  let response;
  try {
    response = await fetch(path, { ...init, credentials: 'same-origin' });
  } catch {
    throw new ApiError(NETWORK);
  }
  if (response.status === 401) {
    window.location.assign('/login');
    throw new ApiError('Your session has ended. Please sign in again.', 401);
  }
  if (!response.ok) throw await problem(response);
  return response;
};

/** Calls the API; resolves to the parsed JSON (null for 204), rejects with an ApiError. */
export const api = async (path, { method = 'GET', body } = {}) => {
  const headers = { Accept: 'application/json', ...csrfHeaders() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await send(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  try {
    return await response.json();
  } catch {
    throw new ApiError('The control plane sent an answer the dashboard could not read.', response.status);
  }
};

/**
 * Sends bytes (a Blob) with PUT, e.g. one Content-Range chunk of an upload; resolves to the JSON
 * answer, rejects with an ApiError like api().
 */
export const putBytes = async (path, blob, headers = {}) => {
  const response = await send(path, {
    method: 'PUT',
    headers: { Accept: 'application/json', 'Content-Type': 'application/octet-stream', ...csrfHeaders(), ...headers },
    body: blob,
  });
  return response.json();
};

/** Turns an RFC 9457 problem (detail, title, errors[]) into a sentence. */
const problem = async (response) => {
  let body = {};
  try {
    body = await response.json();
  } catch {
    // not JSON: fall back on the status alone
  }
  const fields = Array.isArray(body.errors) ? body.errors : [];
  const status = response.status;
  if (fields.length > 0) {
    const list = fields.map((f) => `${label(f.field)} ${f.message}`).join('; ');
    return new ApiError(`Please correct: ${list}.`, status, fields);
  }
  if (status === 403) {
    return new ApiError(
      'You do not have permission to do this: your role does not allow it. ' +
        'Ask an admin of your organisation if you need it.',
      status,
    );
  }
  if (status === 404) {
    return new ApiError(body.detail ? `Not found: ${body.detail}.` : 'That no longer exists.', status);
  }
  if (status >= 500) {
    return new ApiError(
      `The control plane had a problem (${status}). ${body.detail || 'Please try again later.'}`,
      status,
    );
  }
  const text = body.detail || body.title || `The control plane refused the request (${status}).`;
  return new ApiError(sentence(text), status);
};

const label = (field) => {
  const name = String(field || 'A field');
  return name.charAt(0).toUpperCase() + name.slice(1);
};

const sentence = (text) => (/[.!?]$/.test(text) ? text : text + '.');

/** Spring Security's logout endpoint also wants the CSRF header. */
export const signOut = async () => {
  try {
    await fetch('/logout', { method: 'POST', credentials: 'same-origin', headers: csrfHeaders() });
  } catch {
    throw new ApiError(NETWORK);
  }
  window.location.assign('/login?logout');
};
