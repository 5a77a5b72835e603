/**
 * Notifications of stored events: Server-Sent Events to connected clients, and webhooks.
 * Neither can hold up monitoring: publish() only queues and returns.
 *
 * SSE: each event is one message `id: <event id>\nevent: vqmon\ndata: <JSON>\n\n`; on the
 * separate sample stream, each stream's once-a-second metric reading is a message
 * `event: sample\ndata: <JSON>\n\n` (no id: readings are not stored, nothing to replay). A comment
 * line every 15 s keeps proxies from closing an idle stream. A client whose socket has more
 * than `maxBufferedBytes` unsent is dropped (it reconnects with Last-Event-ID and the store
 * replays what it missed).
 *
 * Webhooks: POST of the event's JSON to each hook, one delivery in flight per hook (in
 * order), headers
 *   X-Vqmon-Event: <type>            X-Vqmon-Delivery: <event id>
 *   X-Vqmon-Timestamp: <epoch s>     X-Vqmon-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 * A delivery that fails (network error, timeout, non-2xx) is retried after 1, 2, 4, ... s
 * (capped at maxDelay) up to `attempts` times, then dropped; each hook's queue is bounded
 * (`maxQueue`, the oldest undelivered event is dropped first), so a dead hook costs memory
 * up to its bound and nothing else.
 *
 * With an outbox (the store), each hook's progress is a cursor: the id of the last event it
 * was done with (delivered or given up), written after each. The events themselves are
 * already in the store, so after a restart (kill -9 included) a hook is sent, in order, the
 * stored events after its cursor: deliveries are at least once, never lost to a restart
 * (X-Vqmon-Delivery tells repeats apart). A hook new to the store starts from now.
 */
import { createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';

import { VqmonError } from '../errors.js';
import type { StoredEvent } from './store.js';

export interface WebhookConfig {
  url: string;
  secret: string;
  /** Event types to send [all]. */
  types?: string[];
}

export interface WebhookTuning {
  /** Tries per event [8]. */
  attempts: number;
  /** First retry delay, doubled each time up to maxDelay, seconds [1, 60]. */
  firstDelay: number;
  maxDelay: number;
  /** Per-request timeout, seconds [5]. */
  timeout: number;
  /** Events queued per hook [1000]. */
  maxQueue: number;
}

export const webhookDefaults: WebhookTuning = { attempts: 8, firstDelay: 1, maxDelay: 60, timeout: 5, maxQueue: 1000 };

/** Where webhooks' progress is kept, and the stored events it replays (the Store). */
export interface Outbox {
  hookCursor(url: string): number | null;
  setHookCursor(url: string, lastId: number): void;
  lastEventId(): number;
  /** Stored events with a larger id, oldest first. */
  eventsAfter(id: number): Iterable<StoredEvent>;
}

export interface HookStats { url: string; queued: number; delivered: number; failedAttempts: number; dropped: number; lastError: string | null }

/** The signature header's value for `body` sent at `timestamp` (epoch seconds). */
export function signature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

class Webhook {
  private readonly queue: StoredEvent[] = [];
  private busy = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  readonly stats: HookStats;

  constructor(private readonly hook: WebhookConfig, private readonly t: WebhookTuning, private readonly onResult: (ok: boolean, dropped: number) => void,
    private readonly outbox?: Outbox) {
    this.stats = { url: hook.url, queued: 0, delivered: 0, failedAttempts: 0, dropped: 0, lastError: null };
    if (!outbox) return;
    const last = outbox.hookCursor(hook.url);
    if (last === null) outbox.setHookCursor(hook.url, outbox.lastEventId());
    else for (const e of outbox.eventsAfter(last)) this.push(e); // what it missed while the service was down
  }

  push(e: StoredEvent) {
    if (this.closed || (this.hook.types && !this.hook.types.includes(e.type))) return;
    this.queue.push(e);
    if (this.queue.length > this.t.maxQueue) {
      this.queue.shift();
      this.stats.dropped++;
      this.onResult(false, 1);
    }
    this.stats.queued = this.queue.length;
    if (!this.busy) void this.drain();
  }

  private async drain() {
    this.busy = true;
    while (this.queue.length && !this.closed) {
      const e = this.queue[0]!;
      let delivered = false;
      for (let attempt = 1; attempt <= this.t.attempts && !this.closed; attempt++) {
        if (await this.send(e)) { delivered = true; break; }
        this.stats.failedAttempts++;
        if (attempt < this.t.attempts) await this.sleep(Math.min(this.t.maxDelay, this.t.firstDelay * 2 ** (attempt - 1)));
      }
      // The queue may have shed this event meanwhile; only take it off if it is still first.
      if (this.queue[0] === e) this.queue.shift();
      this.stats.queued = this.queue.length;
      if (delivered) this.stats.delivered++;
      else if (!this.closed) this.stats.dropped++;
      // Done with it, unless shutting down cut its retries short: then the next start sends it.
      if (delivered || !this.closed) this.saveCursor(e.id);
      this.onResult(delivered, delivered || this.closed ? 0 : 1);
    }
    this.busy = false;
  }

  private saveCursor(id: number) {
    try {
      this.outbox?.setHookCursor(this.hook.url, id);
    } catch (err) {
      console.error(`vqmon: saving webhook progress for ${this.hook.url} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async send(e: StoredEvent): Promise<boolean> {
    const body = JSON.stringify(e), ts = Math.floor(Date.now() / 1000);
    try {
      const res = await fetch(this.hook.url, {
        method: 'POST', body, redirect: 'manual', signal: AbortSignal.timeout(this.t.timeout * 1000),
        headers: { 'content-type': 'application/json', 'user-agent': 'vqmon', 'x-vqmon-event': e.type, 'x-vqmon-delivery': String(e.id),
          'x-vqmon-timestamp': String(ts), 'x-vqmon-signature': signature(this.hook.secret, ts, body) },
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return true;
      this.stats.lastError = `HTTP ${res.status}`;
    } catch (err) {
      this.stats.lastError = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    }
    return false;
  }

  private sleep(s: number) {
    return new Promise<void>((r) => {
      this.wake = r;
      this.retryTimer = setTimeout(r, s * 1000);
    });
  }

  /** Waits up to `ms` for the queue to empty, then gives up on what is left. */
  async close(ms: number) {
    const deadline = Date.now() + ms;
    while ((this.busy || this.queue.length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.wake?.();
  }
}

interface SseClient { res: ServerResponse; stream?: string; type?: string; set: Set<SseClient>;
  /** Stored events still to send first (a replay); null once live. */
  replay: Iterator<StoredEvent> | null }

export class Notifier {
  private readonly clients = new Set<SseClient>();
  private readonly sampleClients = new Set<SseClient>();
  private readonly hooks: Webhook[];
  private readonly heartbeat: NodeJS.Timeout;

  constructor(hooks: WebhookConfig[], tuning: Partial<WebhookTuning> = {}, private readonly maxBufferedBytes = 1 << 20,
    private readonly onWebhook: (ok: boolean, dropped: number) => void = () => {}, outbox?: Outbox, private readonly maxClients = 100) {
    const t = { ...webhookDefaults, ...tuning };
    this.hooks = hooks.map((h) => new Webhook(h, t, (ok, dropped) => this.onWebhook(ok, dropped), outbox));
    this.heartbeat = setInterval(() => { for (const c of [...this.clients, ...this.sampleClients]) this.write(c, ': ping\n\n'); }, 15_000);
    this.heartbeat.unref();
  }

  /** Throws ERR_VQMON_CAPACITY (503) when `maxClients` event streams are open already. */
  admitClient(): void {
    if (this.sseClients >= this.maxClients) {
      throw new VqmonError('ERR_VQMON_CAPACITY', `${this.maxClients} event streams are open (maxSseClients): close one, or raise the setting`);
    }
  }

  get sseClients(): number {
    return this.clients.size + this.sampleClients.size;
  }

  hookStats(): HookStats[] {
    return this.hooks.map((h) => ({ ...h.stats }));
  }

  /** Sends a stored event to every SSE client and webhook; returns at once. */
  publish(e: StoredEvent): void {
    const msg = sseMessage(e);
    for (const c of this.clients) {
      // A client still replaying gets this event from the store, in its turn.
      if (!c.replay && (!c.stream || c.stream === e.streamId) && (!c.type || c.type === e.type)) this.write(c, msg);
    }
    for (const h of this.hooks) h.push(e);
  }

  /** Sends a stream's metric reading to the sample stream's clients. */
  publishSample(s: { streamId: string }): void {
    if (this.sampleClients.size === 0) return;
    const msg = `event: sample\ndata: ${JSON.stringify(s)}\n\n`;
    for (const c of this.sampleClients) if (!c.stream || c.stream === s.streamId) this.write(c, msg);
  }

  /**
   * Takes over `res` as an event stream; `replay` (stored events it missed, read from the
   * store a page at a time until it has them all) is sent first, paced by the client: at
   * most maxBufferedBytes / 2 waits in its buffer, the rest is read when it has drained. So
   * a client that never reads holds about that much memory, and a replay of any length
   * holds the event loop for one page at a time. Events stored meanwhile come through the
   * replay; the client is live once the replay has caught up.
   */
  addClient(res: ServerResponse, filter: { stream?: string; type?: string }, replay: Iterable<StoredEvent>): void {
    const c = this.open(res, filter, this.clients);
    c.replay = replay[Symbol.iterator]();
    this.clients.add(c);
    this.replay(c);
  }

  private replay(c: SseClient) {
    while (c.replay && !c.res.destroyed) {
      if (c.res.writableLength > this.maxBufferedBytes / 2) {
        c.res.once('drain', () => this.replay(c));
        return;
      }
      const next = c.replay.next();
      if (next.done) c.replay = null;
      else c.res.write(sseMessage(next.value));
    }
  }

  /** Takes over `res` as a stream of metric readings (publishSample). */
  addSampleClient(res: ServerResponse, filter: { stream?: string }): void {
    this.sampleClients.add(this.open(res, filter, this.sampleClients));
  }

  private open(res: ServerResponse, filter: { stream?: string; type?: string }, set: Set<SseClient>): SseClient {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    const c: SseClient = { res, ...filter, set, replay: null };
    res.on('close', () => set.delete(c));
    return c;
  }

  private write(c: SseClient, msg: string) {
    if (c.res.writableLength > this.maxBufferedBytes) {
      c.set.delete(c);
      c.res.destroy();
      return;
    }
    c.res.write(msg);
  }

  /** Ends the event streams; lets webhooks finish their queues for up to `ms`. */
  async close(ms = 5000): Promise<void> {
    clearInterval(this.heartbeat);
    for (const c of [...this.clients, ...this.sampleClients]) c.res.end();
    this.clients.clear();
    this.sampleClients.clear();
    await Promise.all(this.hooks.map((h) => h.close(ms)));
  }
}

export const sseMessage = (e: StoredEvent) => `id: ${e.id}\nevent: vqmon\ndata: ${JSON.stringify(e)}\n\n`;
