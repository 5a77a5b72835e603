/**
 * vqmon serve's settings: a YAML (or JSON, which is YAML) config file, then the command
 * line and VQMON_TOKEN over it.
 *
 *   host: 127.0.0.1          # [127.0.0.1]
 *   port: 7878               # [7878]; 0 picks a free port
 *   dataDir: ./vqmon-data    # [./vqmon-data] the SQLite store and the token file
 *   token: ...               # [VQMON_TOKEN, else generated at the first start into <dataDir>/token]
 *   retentionDays: 30        # [30] events and minute summaries kept
 *   maxStreams: 64           # [64] streams watched at once (the vqmon command sizes Node's threadpool for them)
 *   maxSseClients: 100       # [100] event and reading streams open at once
 *   trustProxy: false        # [false] behind a proxy: true, or its addresses ("10.0.0.1,10.0.0.2"); then
 *                            # X-Forwarded-Proto: https makes the login cookie Secure
 *   defaults: {}             # live options every stream starts from (as vqmon watch --config)
 *   webhooks:                # POSTed every stored event, signed (see notify.ts)
 *     - url: https://example.net/hook
 *       secret: ...          # HMAC-SHA256 key, at least 16 characters
 *       types: [freeze, black]   # [all]
 *   webhook: { attempts: 8, firstDelay: 1, maxDelay: 60, timeout: 5, maxQueue: 1000 }
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { parse as parseYaml } from 'yaml';

import { VqmonError } from '../errors.js';
import { checkBounds } from '../detectors/options.js';
import { checkLiveOptions } from '../live/options.js';
import { MAX_INPUTS } from '../live/threadpool.js';
import { webhookDefaults, type WebhookConfig, type WebhookTuning } from './notify.js';
import { streamOptionsSchema, type StreamOptions } from './schemas.js';

export interface ServeConfig {
  host: string;
  port: number;
  dataDir: string;
  token?: string;
  retentionDays: number;
  maxStreams: number;
  maxSseClients: number;
  trustProxy: boolean | string;
  defaults: StreamOptions;
  webhooks: WebhookConfig[];
  webhook: WebhookTuning;
}

const invalid = (m: string) => new VqmonError('ERR_VQMON_INVALID_ARG', m);
const KEYS = ['host', 'port', 'dataDir', 'token', 'retentionDays', 'maxStreams', 'maxSseClients', 'trustProxy', 'defaults', 'webhooks', 'webhook'];
export const DEFAULT_MAX_STREAMS = 64;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function closedKeys(o: Record<string, unknown>, allowed: string[], where: string) {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw invalid(`${where}: unknown setting '${k}'; settings: ${allowed.join(', ')}`);
}

/** A URL whose host is link-local (169.254.0.0/16, fe80::/10) or a cloud metadata name. */
function linkLocal(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return /^169\.254\./.test(host) || /^fe[89ab][0-9a-f]:/.test(host) || /^metadata(\.google\.internal)?$/.test(host) || host === '100.100.100.200';
}

export function checkPort(v: unknown, where = 'port'): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) throw invalid(`${where} must be an integer in [0, 65535], got ${JSON.stringify(v)}`);
  return v;
}

/** Reads and checks a config file; `overrides` (command line) win. */
export function loadConfig(file: string | undefined, overrides: Partial<Pick<ServeConfig, 'host' | 'port' | 'dataDir' | 'token'>> = {}): ServeConfig {
  let raw: unknown = {};
  if (file) {
    try {
      raw = parseYaml(readFileSync(file, 'utf8')) ?? {};
    } catch (e) {
      throw invalid(`cannot read config ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!isObject(raw)) throw invalid(`config ${file} must be a mapping of settings (${KEYS.join(', ')})`);
  }
  const c = raw as Record<string, unknown>;
  const where = file ? `config ${file}` : 'config';
  closedKeys(c, KEYS, where);
  const host = overrides.host ?? c.host ?? '127.0.0.1';
  if (typeof host !== 'string' || !host) throw invalid(`${where}: host must be a host name or address`);
  const port = checkPort(overrides.port ?? c.port ?? 7878);
  const dataDir = overrides.dataDir ?? c.dataDir ?? './vqmon-data';
  if (typeof dataDir !== 'string' || !dataDir) throw invalid(`${where}: dataDir must be a directory path`);
  const token = overrides.token ?? (process.env.VQMON_TOKEN || undefined) ?? c.token; // an empty VQMON_TOKEN is unset
  if (token !== undefined && (typeof token !== 'string' || !/^[\x21-\x7e]{16,512}$/.test(token))) {
    throw invalid('the token must be 16 to 512 printable characters without spaces');
  }
  const retentionDays = c.retentionDays ?? 30;
  if (typeof retentionDays !== 'number' || !(retentionDays > 0)) throw invalid(`${where}: retentionDays must be a number of days > 0`);
  checkBounds(c, [['maxStreams', 1, MAX_INPUTS, 'int'], ['maxSseClients', 1, 10_000, 'int']], `${where}: `);
  const maxStreams = (c.maxStreams as number | undefined) ?? DEFAULT_MAX_STREAMS;
  const maxSseClients = (c.maxSseClients as number | undefined) ?? 100;
  const trustProxy = c.trustProxy ?? false;
  if (typeof trustProxy !== 'boolean' && !(typeof trustProxy === 'string' && /^[0-9a-f.:/, ]+$/i.test(trustProxy))) {
    throw invalid(`${where}: trustProxy must be true, false, or the proxy's addresses ("10.0.0.1, 10.0.0.0/8"), got ${JSON.stringify(trustProxy)}`);
  }
  const defaults = c.defaults ?? {};
  if (!isObject(defaults)) throw invalid(`${where}: defaults must be a mapping of live options`);
  closedKeys(defaults, Object.keys(streamOptionsSchema.properties), `${where}: defaults`);
  checkLiveOptions(defaults);
  const hooks = c.webhooks ?? [];
  if (!Array.isArray(hooks)) throw invalid(`${where}: webhooks must be a list`);
  const webhooks = hooks.map((h: unknown, i): WebhookConfig => {
    const w = `${where}: webhooks[${i}]`;
    if (!isObject(h)) throw invalid(`${w} must be a mapping with url and secret`);
    closedKeys(h, ['url', 'secret', 'types'], w);
    if (typeof h.url !== 'string' || !/^https?:\/\/./i.test(h.url)) throw invalid(`${w}.url must be an http:// or https:// URL`);
    if (linkLocal(h.url)) throw invalid(`${w}.url points at a link-local address (${h.url}): cloud metadata services live there; webhooks may not`);
    if (typeof h.secret !== 'string' || h.secret.length < 16) throw invalid(`${w}.secret must be a string of at least 16 characters (the HMAC key)`);
    if (h.types !== undefined && !(Array.isArray(h.types) && h.types.every((t) => typeof t === 'string'))) throw invalid(`${w}.types must be a list of event types`);
    return { url: h.url, secret: h.secret, ...(h.types ? { types: h.types as string[] } : {}) };
  });
  const tuning = c.webhook ?? {};
  if (!isObject(tuning)) throw invalid(`${where}: webhook must be a mapping`);
  closedKeys(tuning, Object.keys(webhookDefaults), `${where}: webhook`);
  for (const [k, v] of Object.entries(tuning)) if (typeof v !== 'number' || !(v > 0)) throw invalid(`${where}: webhook.${k} must be a number > 0`);
  return { host, port, dataDir: resolve(dataDir), ...(token !== undefined ? { token } : {}), retentionDays, maxStreams, maxSseClients, trustProxy, defaults: defaults as StreamOptions,
    webhooks, webhook: { ...webhookDefaults, ...(tuning as Partial<WebhookTuning>) } };
}

/**
 * The API token: the configured one, else the one stored in <dataDir>/token, else a new one
 * written there (mode 0600). `created` is true only that first time: the caller prints it once.
 */
export function resolveToken(config: ServeConfig): { token: string; created: boolean; file: string } {
  const file = join(config.dataDir, 'token');
  if (config.token) return { token: config.token, created: false, file };
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), created: false, file };
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, created: true, file };
}
