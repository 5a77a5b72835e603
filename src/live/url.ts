/**
 * What a live input URL may be, in the one form vqmon keeps of it. FFmpeg acts on more than
 * the address: URL query options of its protocols (`tcp://...?listen=1` makes it listen,
 * `udp://...?fifo_size=` sizes a buffer), and a playlist's entries (an HLS playlist served
 * over raw TCP listing `file:///etc/...` segments was followed). So each scheme has
 * - `whitelist`: FFmpeg's `protocol_whitelist` for the input and everything it opens
 *   (playlists, segments, keys): never `file`;
 * - `query`: the query keys FFmpeg may read ('server': the query is the server's, FFmpeg
 *   reads none of it);
 * - `wildcard`: whether a wildcard or empty host is a receive address (UDP, RTP) rather
 *   than an attempt to make FFmpeg listen.
 * The URL is normalised (scheme and host in lower case, default ports and dot segments
 * dropped) and its credentials (user info, secret-looking query values) are redacted in
 * the `display` form: the one vqmon prints, stores in events and sends. It is also the
 * input's identity: two URLs that differ only in case or credentials are the same source.
 */
import { VqmonError } from '../errors.js';

interface SchemeRule { whitelist: string; query: 'server' | readonly string[]; wildcard: boolean; defaultPort?: number }

const UDP_QUERY = ['localaddr', 'sources', 'block'] as const;
const HTTP = 'http,https,tls,tcp,crypto,httpproxy';

export const SCHEME_RULES: Readonly<Record<string, SchemeRule>> = {
  udp: { whitelist: 'udp', query: UDP_QUERY, wildcard: true },
  rtp: { whitelist: 'rtp,udp', query: UDP_QUERY, wildcard: true },
  srt: { whitelist: 'srt', query: ['streamid', 'passphrase', 'pbkeylen', 'latency', 'rcvlatency', 'peerlatency', 'mode'], wildcard: false },
  rtmp: { whitelist: 'rtmp,tcp', query: 'server', wildcard: false, defaultPort: 1935 },
  rtmps: { whitelist: 'rtmps,tls,tcp', query: 'server', wildcard: false, defaultPort: 443 },
  rtsp: { whitelist: 'rtsp,rtp,udp,tcp', query: 'server', wildcard: false, defaultPort: 554 },
  rtsps: { whitelist: 'rtsps,rtsp,rtp,udp,tcp,tls', query: 'server', wildcard: false, defaultPort: 322 },
  http: { whitelist: HTTP, query: 'server', wildcard: false },
  https: { whitelist: HTTP, query: 'server', wildcard: false },
  tcp: { whitelist: 'tcp', query: [], wildcard: false },
};

/** Protocols a live input is read with (FFmpeg's names). */
export const LIVE_SCHEMES = Object.keys(SCHEME_RULES);

/** Query keys whose values are redacted wherever a URL is shown. */
const SECRET_KEY = /pass|secret|token|key|auth|sig|streamid|pwd/i;
const WILDCARD_HOSTS = new Set(['0.0.0.0', '[::]', '[::0]', '[0:0:0:0:0:0:0:0]']);

export interface LiveUrl {
  /** The normalised URL, credentials included: what FFmpeg opens. */
  url: string;
  /** The same with credentials redacted: what is shown, stored in events and sent; the input's identity. */
  display: string;
  scheme: string;
  /** FFmpeg options the input is opened with. */
  options: Record<string, string>;
}

const invalid = (message: string) => new VqmonError('ERR_VQMON_INVALID_ARG', message);
const shown = (u: unknown) => (typeof u === 'string' ? JSON.stringify(u.length > 200 ? `${u.slice(0, 200)}...` : u) : String(u));

/** Checks and normalises a live input URL; throws ERR_VQMON_INVALID_ARG saying what is wrong. */
export function parseLiveUrl(raw: unknown): LiveUrl {
  const scheme = typeof raw === 'string' ? /^([a-z][a-z0-9+.-]*):\/\/./i.exec(raw)?.[1]?.toLowerCase() : undefined;
  const rule = scheme ? SCHEME_RULES[scheme] : undefined;
  if (!scheme || !rule) {
    throw invalid(scheme
      ? `unsupported URL scheme '${scheme}://' for a live input (${shown(raw)}); live inputs: ${LIVE_SCHEMES.map((s) => `${s}://`).join(', ')}`
      : `${shown(raw)} is not a live input URL (udp://, rtp://, srt://, rtmp://, rtsp://, http(s):// HLS, tcp://); for a file, use vqmon analyze`);
  }
  const text = raw as string;
  if (/[\s\x00-\x1f\x7f]/.test(text)) throw invalid(`${shown(raw)}: a URL has no spaces or control characters`);
  // FFmpeg's udp://:1234 and VLC's udp://@:1234: any local address.
  const withHost = rule.wildcard ? text.replace(/^([a-z]+:\/\/)@?(?=:\d)/i, '$10.0.0.0') : text;
  let u: URL;
  try {
    u = new URL(withHost);
  } catch {
    throw invalid(`${shown(raw)} is not a valid URL`);
  }
  const host = u.hostname.toLowerCase();
  if (!host) throw invalid(`${shown(raw)} has no host`);
  if (!rule.wildcard && WILDCARD_HOSTS.has(host)) {
    throw invalid(`${shown(raw)}: ${host} is not a source address (vqmon connects to ${scheme}:// sources, it does not listen for them)`);
  }
  if (u.hash) throw invalid(`${shown(raw)}: a live input URL has no #fragment`);
  checkQuery(u, rule, scheme, raw);
  const port = u.port && Number(u.port) !== rule.defaultPort ? `:${u.port}` : '';
  const path = u.pathname;
  const auth = (secret: boolean) => (u.username || u.password ? (secret ? `${u.username}${u.password ? `:${u.password}` : ''}@` : '***@') : '');
  const query = (secret: boolean) => {
    const entries = [...u.searchParams.entries()];
    if (!entries.length) return '';
    if (secret) return u.search;
    return `?${entries.map(([k, v]) => `${encodeURIComponent(k)}=${SECRET_KEY.test(k) ? '***' : encodeURIComponent(v)}`).join('&')}`;
  };
  const at = (secret: boolean) => `${scheme}://${auth(secret)}${host}${port}${path}${query(secret)}`;
  return { url: at(true), display: at(false), scheme, options: { protocol_whitelist: rule.whitelist } };
}

/** Refuses query options FFmpeg would act on beyond the scheme's allowed ones. */
function checkQuery(u: URL, rule: SchemeRule, scheme: string, raw: unknown) {
  if (rule.query === 'server') return;
  for (const [k, v] of u.searchParams) {
    const allowed = rule.query.includes(k) && !(scheme === 'srt' && k === 'mode' && v !== 'caller');
    if (!allowed) {
      throw invalid(`${shown(raw)}: the URL option '${k}' is not accepted (FFmpeg would act on it${k === 'listen' || k === 'mode' ? ': it makes FFmpeg listen for a peer' : ''}); ` +
        `${scheme}:// accepts ${rule.query.length ? rule.query.join(', ') : 'no URL options'}`);
    }
  }
}

/** The URL as shown (credentials redacted); a URL that does not parse is shown as it is. */
export function displayUrl(url: string): string {
  try {
    return parseLiveUrl(url).display;
  } catch {
    return url;
  }
}
