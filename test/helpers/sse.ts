/** A Server-Sent Events client for the service's tests. */
import { expect } from 'vitest';

import type { StoredEvent } from '../../src/serve/store.js';

/** Reads a Server-Sent Events stream into `events` until aborted. */
export async function sse(url: string, token: string, signal: AbortSignal): Promise<{ events: StoredEvent[]; ids: number[] }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const out = { events: [] as StoredEvent[], ids: [] as number[] };
  void (async () => {
    let buf = '';
    const dec = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const msg = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const id = /^id: (\d+)$/m.exec(msg), data = /^data: (.*)$/m.exec(msg);
          if (id && data) { out.ids.push(Number(id[1])); out.events.push(JSON.parse(data[1]!) as StoredEvent); }
        }
      }
    } catch { /* aborted */ }
  })();
  return out;
}

