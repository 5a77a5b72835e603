/**
 * The service's token check and the dashboard's login cookie.
 *
 * A request carries the token as `Authorization: Bearer <token>` (scripts), as the
 * `vqmon_token` cookie (the dashboard, once logged in: HttpOnly, SameSite=Strict, so the
 * page's scripts never see it and other sites' pages cannot send it), or, on the routes that
 * allow it, as `?access_token=` (links, EventSource clients without cookies). Tokens are
 * compared as SHA-256 digests with timingSafeEqual, so neither length nor content leaks
 * through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import type { FastifyRequest } from 'fastify';

export const COOKIE = 'vqmon_token';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The value of cookie `name` in a Cookie header (percent-decoded), or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined; // malformed escapes: no token
    }
  }
  return undefined;
}

/**
 * The Set-Cookie value that logs a browser in (`token`) or out (null). Secure where the
 * request came over HTTPS (behind a TLS proxy that says so, or not: plain HTTP on loopback
 * is the default and a Secure cookie would never come back there).
 */
export function loginCookie(token: string | null, secure: boolean): string {
  const value = token === null ? '' : encodeURIComponent(token);
  return `${COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}${token === null ? '; Max-Age=0' : ''}`;
}

export class TokenCheck {
  private readonly want: Buffer;

  constructor(token: string) {
    this.want = digest(token);
  }

  matches(given: string | undefined): boolean {
    return given !== undefined && timingSafeEqual(digest(given), this.want);
  }

  /** Whether the request carries the token: bearer header, login cookie, or (if allowed) ?access_token=. */
  authorized(req: FastifyRequest, queryToken: boolean): boolean {
    const h = req.headers.authorization;
    if (typeof h === 'string' && /^Bearer\s+/i.test(h)) return this.matches(h.replace(/^Bearer\s+/i, ''));
    if (this.matches(cookieValue(req.headers.cookie, COOKIE))) return true;
    return queryToken && this.matches((req.query as { access_token?: string } | undefined)?.access_token);
  }
}
