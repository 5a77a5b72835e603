/**
 * The dashboard's files: static HTML, CSS and JavaScript modules in src/serve/dashboard/
 * (no build step, nothing from elsewhere), read once when the API is built. They are found
 * from this module's place, ../../src/serve/dashboard, which is the same folder whether this
 * runs from src/ (tests) or dist/ (the package ships the folder: package.json "files").
 *
 * The page itself (index.html) needs the token; its scripts, styles and the login page hold
 * no stream data and are served to anyone, so the login page can be styled.
 */
import { readdirSync, readFileSync } from 'node:fs';

import { VqmonError } from '../errors.js';

export const DASHBOARD_DIR = new URL('../../src/serve/dashboard/', import.meta.url);

/**
 * Everything the pages load comes from this origin; no inline script or style, no frames,
 * forms post only here. img-src allows data: and blob: for pictures made in the page.
 */
export const CSP = "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; connect-src 'self'; "
  + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface Asset { body: Buffer; type: string }

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface DashboardFiles {
  /** The dashboard page (needs the token). */
  index: Asset;
  /** The login page; `message` (plain text, escaped here) is shown above the form. */
  login(message?: string): Asset;
  /** Scripts and styles by file name (served under /assets/). */
  assets: Map<string, Asset>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function loadDashboard(dir: URL = DASHBOARD_DIR): DashboardFiles {
  const assets = new Map<string, Asset>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new VqmonError('ERR_VQMON_LOAD_FAILED', `cannot read the dashboard's files in ${dir.pathname} (${e instanceof Error ? e.message : String(e)}); reinstall vqmon`);
  }
  for (const name of names) {
    const ext = /\.[a-z]+$/.exec(name)?.[0] ?? '';
    const type = TYPES[ext];
    if (type) assets.set(name, { body: readFileSync(new URL(name, dir)), type });
  }
  const page = (name: string) => {
    const a = assets.get(name);
    if (!a) throw new VqmonError('ERR_VQMON_LOAD_FAILED', `the dashboard's ${name} is missing from ${dir.pathname}; reinstall vqmon`);
    assets.delete(name);
    return a;
  };
  const index = page('index.html');
  const loginHtml = page('login.html').body.toString('utf8');
  return {
    index,
    assets,
    login: (message = '') => ({ type: TYPES['.html']!, body: Buffer.from(loginHtml.replace('<!--MESSAGE-->', escapeHtml(message))) }),
  };
}
