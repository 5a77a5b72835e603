/**
 * Request guards of the service, before any route runs:
 * - `sameOrigin`: a state-changing request (POST, PATCH, PUT, DELETE) that a browser marks
 *   with an `Origin` must come from the service's own origin. The login cookie is
 *   SameSite=Strict, but "site" ignores ports: a page on another port of the same host
 *   could post a form with it (it created a stream, 201). Scripts send no Origin and are
 *   unaffected.
 * - `jsonOnly`: bodies are JSON, except the login form; a cross-origin form can only send
 *   form encodings without a CORS preflight, so this closes the form route to CSRF too.
 * - `AuthLimiter`: wrong tokens per client address, 20 a minute, then 429 for the rest of
 *   the minute (about 1,000 wrong tries a second were answered before).
 */
import type { FastifyRequest } from 'fastify';

import { VqmonError } from '../errors.js';

const STATE_CHANGING = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/** Throws ERR_VQMON_FORBIDDEN for a state-changing request from a browser page of another origin. */
export function sameOrigin(req: FastifyRequest): void {
  if (!STATE_CHANGING.has(req.method)) return;
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let host: string | null = null;
  try {
    const u = new URL(origin);
    host = `${u.protocol}//${u.host}`;
  } catch { /* "null" (a sandboxed or file page) and garbage: refused below */ }
  if (host === `${req.protocol}://${req.host}`) return;
  throw new VqmonError('ERR_VQMON_FORBIDDEN', `a request from the page ${JSON.stringify(origin)} may not change anything here: ` +
    'state-changing requests come from the dashboard itself or from scripts (which send no Origin)');
}

/** Throws ERR_VQMON_UNSUPPORTED_MEDIA_TYPE for a body that is not JSON on a route other than the login form's. */
export function jsonOnly(req: FastifyRequest, formRoute: boolean): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!type || type === 'application/json' || (formRoute && type === 'application/x-www-form-urlencoded')) return;
  throw new VqmonError('ERR_VQMON_UNSUPPORTED_MEDIA_TYPE', `bodies are application/json${formRoute ? ' (or the login form)' : ''}, got ${JSON.stringify(type)}`);
}

export class AuthLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(private readonly max = 20, private readonly windowMs = 60_000, private readonly maxClients = 10_000) {}

  /** Seconds until `ip` may try again, or 0. */
  blockedFor(ip: string, now = Date.now()): number {
    const f = this.failures.get(ip);
    if (!f || now - f.since >= this.windowMs) return 0;
    return f.count >= this.max ? Math.ceil((f.since + this.windowMs - now) / 1000) : 0;
  }

  fail(ip: string, now = Date.now()): void {
    let f = this.failures.get(ip);
    if (!f || now - f.since >= this.windowMs) {
      if (this.failures.size >= this.maxClients) this.sweep(now);
      f = { count: 0, since: now };
      this.failures.set(ip, f);
    }
    f.count++;
  }

  /** Forgets windows that are over (and, if every one is current, the oldest: the map stays bounded). */
  private sweep(now: number) {
    for (const [ip, f] of this.failures) if (now - f.since >= this.windowMs) this.failures.delete(ip);
    if (this.failures.size >= this.maxClients) this.failures.delete(this.failures.keys().next().value!);
  }
}
