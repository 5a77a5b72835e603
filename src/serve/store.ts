/**
 * The monitor service's store: one SQLite file (better-sqlite3, synchronous) in the data
 * directory holding the watched streams, every event, and per-minute summaries of each
 * stream's counters, the picture at each event's start, and each webhook's progress.
 *
 * WAL journal, synchronous=NORMAL: a committed row is in the WAL file before the call
 * returns, so a killed process (kill -9) loses nothing it committed; only a power cut can
 * lose the last transactions. Writes are synchronous on purpose: an event is stored before
 * anyone is told about it (see supervisor.ts).
 *
 * Schema changes are numbered migrations, applied in order in one transaction each and
 * recorded in schema_migrations; a database from a newer vqmon is refused.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { VqmonError } from '../errors.js';
import type { LiveEvent } from '../live/monitor.js';
import { displayUrl } from '../live/url.js';
import type { StreamOptions } from './schemas.js';

const MIGRATIONS: string[] = [
  `CREATE TABLE streams (
     id TEXT PRIMARY KEY,
     url TEXT NOT NULL UNIQUE,
     name TEXT NOT NULL,
     options TEXT NOT NULL,            -- JSON: the stream's own detector settings
     paused INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,      -- epoch ms
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     stream_id TEXT NOT NULL,
     at INTEGER NOT NULL,              -- epoch ms when the monitor raised it
     type TEXT NOT NULL,
     phase TEXT NOT NULL,
     start REAL NOT NULL,              -- media seconds on the input's clock
     end REAL NOT NULL,
     duration REAL NOT NULL,
     score REAL,
     detail TEXT                       -- JSON or NULL
   );
   CREATE INDEX events_stream_at ON events (stream_id, at);
   CREATE INDEX events_type_at ON events (type, at);
   CREATE INDEX events_at ON events (at);
   CREATE TABLE minute_summaries (
     stream_id TEXT NOT NULL,
     minute INTEGER NOT NULL,          -- epoch minute
     frames INTEGER NOT NULL,
     audio_windows INTEGER NOT NULL,
     dropped_packets INTEGER NOT NULL,
     decoder_errors INTEGER NOT NULL,
     input_errors INTEGER NOT NULL,
     events INTEGER NOT NULL,
     max_lag REAL NOT NULL,
     PRIMARY KEY (stream_id, minute)
   );`,
  // 2: the picture at each event's start (the dashboard), PNG.
  `CREATE TABLE event_thumbnails (
     event_id INTEGER PRIMARY KEY,
     width INTEGER NOT NULL,
     height INTEGER NOT NULL,
     png BLOB NOT NULL
   );`,
  // 3: each webhook's progress: the last event it was done with (notify.ts); and the
  // events started and not yet ended, to end them after a restart (supervisor.ts).
  `CREATE TABLE webhook_cursors (
     url TEXT PRIMARY KEY,
     last_id INTEGER NOT NULL
   );
   CREATE TABLE open_events (
     event_id INTEGER PRIMARY KEY,
     stream_id TEXT NOT NULL,
     type TEXT NOT NULL,
     start REAL NOT NULL
   );`,
];

export interface StreamRow {
  id: string;
  url: string;
  name: string;
  options: StreamOptions;
  paused: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface StoredEvent extends LiveEvent {
  id: number;
  streamId: string;
  /** Epoch ms when the monitor raised it. */
  at: number;
}

export interface EventQuery {
  stream?: string;
  type?: string;
  /** Epoch ms, inclusive / exclusive. */
  from?: number;
  to?: number;
  /** Events with a larger id only (SSE replay, paging). */
  after?: number;
  limit?: number;
}

export interface MinuteSummary {
  streamId: string;
  minute: number;
  frames: number;
  audioWindows: number;
  droppedPackets: number;
  decoderErrors: number;
  inputErrors: number;
  events: number;
  maxLag: number;
}

interface EventRecord { id: number; stream_id: string; at: number; type: string; phase: string; start: number; end: number; duration: number; score: number | null; detail: string | null; url: string | null }
interface StreamRecord { id: string; url: string; name: string; options: string; paused: number; created_at: number; updated_at: number }

const streamRow = (r: StreamRecord): StreamRow => ({ id: r.id, url: r.url, name: r.name, options: JSON.parse(r.options) as StreamOptions,
  paused: r.paused === 1, createdAt: r.created_at, updatedAt: r.updated_at });

const eventRow = (r: EventRecord): StoredEvent => ({ id: r.id, streamId: r.stream_id, at: r.at, input: r.url ? displayUrl(r.url) : '', type: r.type as LiveEvent['type'],
  phase: r.phase as LiveEvent['phase'], start: r.start, end: r.end, duration: r.duration,
  ...(r.score !== null ? { score: r.score } : {}), ...(r.detail !== null ? { detail: JSON.parse(r.detail) as Record<string, unknown> } : {}) });

export class Store {
  readonly db: Database.Database;
  readonly file: string;
  private readonly q;
  private readonly insertTx: (streamId: string, e: LiveEvent, at: number) => StoredEvent;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.file = join(dataDir, 'vqmon.db');
    try {
      this.db = new Database(this.file);
    } catch (e) {
      throw new VqmonError('ERR_VQMON_INVALID_ARG', `cannot open the store ${this.file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // This process is the only writer; another program holding the file (a backup, the
    // sqlite3 shell) must not freeze the event loop: a write waits 100 ms at most, then
    // fails, and the supervisor keeps the event and writes it again a second later.
    this.db.pragma('busy_timeout = 100');
    this.migrate();
    const db = this.db;
    this.q = {
      streams: db.prepare<[], StreamRecord>('SELECT * FROM streams ORDER BY created_at, id'),
      stream: db.prepare<[string], StreamRecord>('SELECT * FROM streams WHERE id = ?'),
      insertStream: db.prepare('INSERT INTO streams (id, url, name, options, paused, created_at, updated_at) VALUES (@id, @url, @name, @options, @paused, @createdAt, @updatedAt)'),
      updateStream: db.prepare('UPDATE streams SET name = @name, options = @options, paused = @paused, updated_at = @updatedAt WHERE id = @id'),
      deleteStream: db.prepare('DELETE FROM streams WHERE id = ?'),
      hookCursor: db.prepare<[string], { last_id: number }>('SELECT last_id FROM webhook_cursors WHERE url = ?'),
      setHookCursor: db.prepare('INSERT INTO webhook_cursors (url, last_id) VALUES (?, ?) ON CONFLICT (url) DO UPDATE SET last_id = excluded.last_id'),
      lastEventId: db.prepare<[], { id: number }>('SELECT max(id) AS id FROM events'),
      openEvent: db.prepare('INSERT OR REPLACE INTO open_events (event_id, stream_id, type, start) VALUES (?, ?, ?, ?)'),
      closeEvents: db.prepare('DELETE FROM open_events WHERE stream_id = ? AND type = ? AND start = ?'),
      openEvents: db.prepare('SELECT e.*, s.url FROM open_events o JOIN events e ON e.id = o.event_id LEFT JOIN streams s ON s.id = e.stream_id ORDER BY e.id'),
      insertThumbnail: db.prepare('INSERT OR REPLACE INTO event_thumbnails (event_id, width, height, png) VALUES (?, ?, ?, ?)'),
      eventThumbnail: db.prepare<[number], { png: Buffer }>('SELECT png FROM event_thumbnails WHERE event_id = ?'),
      startThumbnail: db.prepare<[number], { png: Buffer }>(`SELECT t.png FROM events e
        JOIN events s ON s.stream_id = e.stream_id AND s.type = e.type AND s.start = e.start AND s.phase = 'start' AND s.id < e.id
        JOIN event_thumbnails t ON t.event_id = s.id WHERE e.id = ? AND e.phase = 'end' ORDER BY s.id DESC LIMIT 1`),
      insertEvent: db.prepare('INSERT INTO events (stream_id, at, type, phase, start, end, duration, score, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      upsertMinute: db.prepare(`INSERT INTO minute_summaries (stream_id, minute, frames, audio_windows, dropped_packets, decoder_errors, input_errors, events, max_lag)
        VALUES (@streamId, @minute, @frames, @audioWindows, @droppedPackets, @decoderErrors, @inputErrors, @events, @maxLag)
        ON CONFLICT (stream_id, minute) DO UPDATE SET frames = frames + excluded.frames, audio_windows = audio_windows + excluded.audio_windows,
          dropped_packets = dropped_packets + excluded.dropped_packets, decoder_errors = decoder_errors + excluded.decoder_errors,
          input_errors = input_errors + excluded.input_errors, events = events + excluded.events, max_lag = max(max_lag, excluded.max_lag)`),
    };
    this.insertTx = db.transaction((streamId: string, e: LiveEvent, at: number): StoredEvent => {
      const r = this.q.insertEvent.run(streamId, at, e.type, e.phase, e.start, e.end, e.duration, e.score ?? null,
        e.detail !== undefined ? JSON.stringify(e.detail) : null);
      const id = Number(r.lastInsertRowid);
      if (e.phase === 'start') this.q.openEvent.run(id, streamId, e.type, e.start);
      else this.q.closeEvents.run(streamId, e.type, e.start);
      return { ...e, id, streamId, at };
    });
  }

  private migrate() {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const current = (this.db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
    if (current > MIGRATIONS.length) {
      throw new VqmonError('ERR_VQMON_INVALID_ARG', `the store ${this.file} has schema version ${current}, newer than this vqmon knows (${MIGRATIONS.length}); use a newer vqmon or another --data-dir`);
    }
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v - 1]!);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(v, Date.now());
      })();
    }
  }

  get schemaVersion(): number {
    return (this.db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number }).v;
  }

  listStreams(): StreamRow[] {
    return this.q.streams.all().map(streamRow);
  }

  getStream(id: string): StreamRow | undefined {
    const r = this.q.stream.get(id);
    return r && streamRow(r);
  }

  insertStream(s: StreamRow): void {
    this.q.insertStream.run({ ...s, options: JSON.stringify(s.options), paused: s.paused ? 1 : 0 });
  }

  updateStream(s: StreamRow): void {
    this.q.updateStream.run({ id: s.id, name: s.name, options: JSON.stringify(s.options), paused: s.paused ? 1 : 0, updatedAt: s.updatedAt });
  }

  /** Removes the stream; its events and summaries stay (history) until retention drops them. */
  deleteStream(id: string): boolean {
    return this.q.deleteStream.run(id).changes > 0;
  }

  /**
   * Stores one event (committed when this returns) and gives it its id; a phase start is
   * open until a phase end of the same stream, type and start.
   */
  insertEvent(streamId: string, e: LiveEvent, at = Date.now()): StoredEvent {
    return this.insertTx(streamId, e, at);
  }

  /** Phase starts without their phase end (the process stopped before the defect ended). */
  openEvents(): StoredEvent[] {
    return (this.q.openEvents.all() as EventRecord[]).map(eventRow);
  }

  private eventSql(q: EventQuery): { sql: string; args: unknown[] } {
    const where: string[] = [], args: unknown[] = [];
    if (q.stream !== undefined) { where.push('e.stream_id = ?'); args.push(q.stream); }
    if (q.type !== undefined) { where.push('e.type = ?'); args.push(q.type); }
    if (q.from !== undefined) { where.push('e.at >= ?'); args.push(q.from); }
    if (q.to !== undefined) { where.push('e.at < ?'); args.push(q.to); }
    if (q.after !== undefined) { where.push('e.id > ?'); args.push(q.after); }
    const sql = `SELECT e.*, s.url FROM events e LEFT JOIN streams s ON s.id = e.stream_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.id` +
      (q.limit !== undefined ? ` LIMIT ${Math.floor(q.limit)}` : '');
    return { sql, args };
  }

  events(q: EventQuery = {}): StoredEvent[] {
    const { sql, args } = this.eventSql(q);
    return (this.db.prepare(sql).all(...args) as EventRecord[]).map(eventRow);
  }

  /**
   * The same rows as events(), a page at a time (exports and replays of any size). Each
   * page is one finished query: between pages, while the reader is slow or stalled, nothing
   * holds the connection, so event writes go on. (An open statement iterator did: a stalled
   * export made every write fail with "This database connection is busy".)
   */
  *iterateEvents(q: EventQuery = {}): Generator<StoredEvent> {
    let after = q.after, left = q.limit ?? Infinity;
    while (left > 0) {
      const n = Math.min(EVENT_PAGE, left);
      const page = this.events({ ...q, after, limit: n });
      yield* page;
      if (page.length < n) return;
      after = page[page.length - 1]!.id;
      left -= n;
    }
  }

  hookCursor(url: string): number | null {
    return this.q.hookCursor.get(url)?.last_id ?? null;
  }

  setHookCursor(url: string, lastId: number): void {
    this.q.setHookCursor.run(url, lastId);
  }

  lastEventId(): number {
    return this.q.lastEventId.get()?.id ?? 0;
  }

  eventsAfter(id: number): Iterable<StoredEvent> {
    return this.iterateEvents({ after: id });
  }

  /** The picture at an event's start. */
  insertThumbnail(eventId: number, width: number, height: number, png: Buffer): void {
    this.q.insertThumbnail.run(eventId, width, height, png);
  }

  /** The PNG at an event's start; for a phase end, its phase start's (same stream, type and start). */
  eventThumbnail(eventId: number): Buffer | null {
    return (this.q.eventThumbnail.get(eventId) ?? this.q.startThumbnail.get(eventId))?.png ?? null;
  }

  addMinute(m: MinuteSummary): void {
    this.q.upsertMinute.run(m);
  }

  /** Summaries of minutes in [from, to) (epoch minutes). */
  minutes(streamId: string, from = 0, to = Number.MAX_SAFE_INTEGER): MinuteSummary[] {
    return (this.db.prepare(`SELECT stream_id AS streamId, minute, frames, audio_windows AS audioWindows, dropped_packets AS droppedPackets,
      decoder_errors AS decoderErrors, input_errors AS inputErrors, events, max_lag AS maxLag FROM minute_summaries
      WHERE stream_id = ? AND minute >= ? AND minute < ? ORDER BY minute`).all(streamId, from, to)) as MinuteSummary[];
  }

  /** Drops events and summaries older than `days`; returns how many rows went. */
  retain(days: number, now = Date.now()): { events: number; minutes: number } {
    const cutoff = now - days * 86_400_000;
    // What hangs off the events that go: their pictures, and their open marks.
    for (const table of ['event_thumbnails', 'open_events']) {
      this.db.prepare(`DELETE FROM ${table} WHERE event_id IN (SELECT id FROM events WHERE at < ?)`).run(cutoff);
    }
    const events = this.db.prepare('DELETE FROM events WHERE at < ?').run(cutoff).changes;
    const minutes = this.db.prepare('DELETE FROM minute_summaries WHERE minute < ?').run(Math.floor(cutoff / 60_000)).changes;
    return { events, minutes };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Events read per query by iterateEvents. */
const EVENT_PAGE = 500;

const CSV_COLUMNS = ['id', 'streamId', 'input', 'at', 'type', 'phase', 'start', 'end', 'duration', 'score', 'detail'] as const;

const csvField = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Events as CSV lines (header first) or NDJSON lines, each ending in a newline. */
export function* exportLines(events: Iterable<StoredEvent>, format: 'csv' | 'ndjson'): Generator<string> {
  if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\n`;
  for (const e of events) {
    if (format === 'ndjson') yield `${JSON.stringify(e)}\n`;
    else yield `${CSV_COLUMNS.map((c) => csvField(c === 'at' ? new Date(e.at).toISOString() : e[c])).join(',')}\n`;
  }
}
