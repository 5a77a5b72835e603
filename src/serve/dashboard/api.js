// Requests to the service from the page. The login cookie goes with every same-origin
// request (fetch, img, EventSource); a 401 means it is gone or the token changed: reloading
// / shows the login page.

let reloading = false;

export class HttpError extends Error {
  constructor(path, status) {
    super(`${path}: HTTP ${status}`);
    this.status = status;
  }
}

export function loginAgain() {
  if (!reloading) {
    reloading = true;
    location.replace('/');
  }
}

export async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (res.status === 401) {
    loginAgain();
    throw new HttpError(path, 401);
  }
  if (!res.ok) throw new HttpError(path, res.status);
  return res.json();
}

/**
 * An EventSource that comes back: the browser reconnects by itself after a network error
 * (sending Last-Event-ID), but gives up on an HTTP error answer; then this checks the login
 * and opens a new one after `retryMs`, from `url()` (which can carry the last id seen).
 */
export function liveSource(url, handlers, onState, retryMs = 5000) {
  let es = null;
  let closed = false;
  const open = () => {
    if (closed) return;
    es = new EventSource(url());
    es.addEventListener('open', () => onState('live'));
    for (const [name, f] of Object.entries(handlers)) es.addEventListener(name, (m) => f(JSON.parse(m.data)));
    es.addEventListener('error', () => {
      if (es.readyState !== EventSource.CLOSED) {
        onState('reconnecting');
        return;
      }
      onState('down');
      getJson('/api/streams').catch(() => undefined); // a 401 goes to the login page
      setTimeout(open, retryMs);
    });
  };
  open();
  return { close: () => { closed = true; es?.close(); } };
}
