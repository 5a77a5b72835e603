/**
 * The HTTP API (Fastify). Every route but /health, /ready, the login and logout and the
 * dashboard's static scripts and styles needs the token, as `Authorization: Bearer <token>`
 * or the dashboard's login cookie (auth.ts; the event stream and the dashboard also take
 * `?access_token=`, for EventSource clients and links). `GET /` is the dashboard
 * (dashboard.ts): without the token a browser gets the login page (401), which posts the
 * token to /login; that sets the cookie and sends the browser back to /. Bodies are JSON up to 64 KB,
 * checked against closed schemas (schemas.ts: an unknown field is a 400), then by the live
 * options' own checks. Request guards (guard.ts): same-origin state changes, JSON bodies,
 * wrong tokens rate-limited. Errors are `{ "error": { "code", "message" } }` with 400 (bad
 * request), 401 (token), 403 (origin), 404, 409 (URL already watched), 413, 415, 429, 503.
 *
 * The routes are one table (ROUTES) that also makes the OpenAPI description at /openapi.json.
 */
import { Readable } from 'node:stream';

import { Ajv } from 'ajv';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

import { isVqmonError, VqmonError } from '../errors.js';
import { displayUrl } from '../live/url.js';
import { loginCookie, TokenCheck } from './auth.js';
import { AuthLimiter, jsonOnly, sameOrigin } from './guard.js';
import { CSP, loadDashboard, type Asset, type DashboardFiles } from './dashboard.js';
import type { Metrics } from './metrics.js';
import type { Notifier } from './notify.js';
import { answers, errorAnswer, eventIdParams, eventsQuery, exportQuery, idParams, sampleStreamQuery, samplesQuery, sseQuery, summariesQuery, streamCreateSchema, streamUpdateSchema, type StreamOptions } from './schemas.js';
import { exportLines, type EventQuery, type Store, type StreamRow } from './store.js';
import type { Supervisor } from './supervisor.js';

export interface ApiContext {
  store: Store;
  supervisor: Supervisor;
  notifier: Notifier;
  metrics: Metrics;
  token: string;
  /** False while starting and once shutting down (GET /ready answers 503). */
  ready: () => boolean;
  version: string;
  /** Fastify's trustProxy: behind a TLS proxy, its X-Forwarded-Proto makes the login cookie Secure [false]. */
  trustProxy?: boolean | string;
}

type Handler = (req: FastifyRequest, reply: FastifyReply) => unknown;
interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  auth?: false;
  /** Without the token a browser (Accept: text/html) gets the login page, not the JSON error. */
  loginPage?: true;
  /** Token also accepted as ?access_token= (EventSource, links). */
  queryToken?: true;
  schema?: { body?: object; params?: object; querystring?: object };
  answer?: { status: number; schema?: object; type?: string };
  handler: Handler;
}

const STATUS: Record<string, number> = { ERR_VQMON_INVALID_ARG: 400, ERR_VQMON_NOT_FOUND: 404, ERR_VQMON_CONFLICT: 409, ERR_VQMON_UNAUTHORIZED: 401, ERR_VQMON_CAPACITY: 503,
  ERR_VQMON_FORBIDDEN: 403, ERR_VQMON_UNSUPPORTED_MEDIA_TYPE: 415, ERR_VQMON_RATE_LIMITED: 429 };

/** ISO 8601 or epoch ms -> epoch ms. */
function time(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t)) throw new VqmonError('ERR_VQMON_INVALID_ARG', `${name} must be an ISO 8601 time or epoch milliseconds, got ${JSON.stringify(v)}`);
  return t;
}

function eventQuery(q: { stream?: string; type?: string; from?: string; to?: string; after?: number; limit?: number }): EventQuery {
  return { stream: q.stream, type: q.type, from: time(q.from, 'from'), to: time(q.to, 'to'), after: q.after, limit: q.limit };
}

/**
 * An HTML page or a dashboard file, with the headers that keep it to this origin. The
 * referrer policy is same-origin, not no-referrer: under no-referrer a browser sends
 * `Origin: null` with the login form, and the origin check (guard.ts) could not tell it
 * from a sandboxed page's.
 */
function sendAsset(reply: FastifyReply, a: Asset, status = 200): FastifyReply {
  return reply.code(status).type(a.type).header('content-security-policy', CSP).header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin').header('cache-control', 'no-cache').send(a.body);
}

const secure = (req: FastifyRequest) => req.protocol === 'https';

export function routes(ctx: ApiContext, dash: DashboardFiles = loadDashboard(), check = new TokenCheck(ctx.token),
                       wrongToken: (req: FastifyRequest) => void = () => {}): Route[] {
  const { supervisor: sup, store } = ctx;
  // The stored URL keeps its credentials (to reopen it); answers show it redacted.
  const withStatus = (s: StreamRow) => ({ ...s, url: displayUrl(s.url), status: sup.status(s) });
  return [
    { method: 'GET', url: '/health', auth: false, summary: 'Liveness: the process answers', answer: { status: 200 },
      handler: () => ({ status: 'ok', version: ctx.version }) },
    { method: 'GET', url: '/ready', auth: false, summary: 'Readiness: the store is open and streams started (503 while starting or shutting down)', answer: { status: 200 },
      handler: (_req, reply) => (ctx.ready() ? { status: 'ready' } : reply.code(503).send({ status: 'not ready' })) },
    { method: 'GET', url: '/metrics', summary: 'Prometheus metrics', answer: { status: 200, type: 'text/plain' },
      handler: async (_req, reply) => reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()) },
    { method: 'GET', url: '/api/streams', summary: 'Watched streams with their status', answer: { status: 200, schema: answers.streams },
      handler: () => ({ streams: sup.list().map(withStatus) }) },
    { method: 'POST', url: '/api/streams', summary: 'Add a stream (watched at once unless paused)', schema: { body: streamCreateSchema }, answer: { status: 201, schema: answers.stream },
      handler: (req, reply) => reply.code(201).send(withStatus(sup.add(req.body as { url: string; name?: string; options?: StreamOptions; paused?: boolean }))) },
    { method: 'GET', url: '/api/streams/:id', summary: 'One stream with its status', schema: { params: idParams }, answer: { status: 200, schema: answers.stream },
      handler: (req) => withStatus(sup.get((req.params as { id: string }).id)) },
    { method: 'PATCH', url: '/api/streams/:id', summary: 'Rename a stream or replace its settings (a running stream is reopened with them)', schema: { params: idParams, body: streamUpdateSchema },
      answer: { status: 200, schema: answers.stream },
      handler: (req) => withStatus(sup.update((req.params as { id: string }).id, req.body as { name?: string; options?: StreamOptions })) },
    { method: 'DELETE', url: '/api/streams/:id', summary: 'Stop watching a stream and forget it (its events stay)', schema: { params: idParams }, answer: { status: 204 },
      handler: (req, reply) => { sup.remove((req.params as { id: string }).id); return reply.code(204).send(); } },
    { method: 'POST', url: '/api/streams/:id/pause', summary: 'Stop watching, keep the stream', schema: { params: idParams }, answer: { status: 200, schema: answers.stream },
      handler: (req) => withStatus(sup.setPaused((req.params as { id: string }).id, true)) },
    { method: 'POST', url: '/api/streams/:id/resume', summary: 'Watch a paused stream again', schema: { params: idParams }, answer: { status: 200, schema: answers.stream },
      handler: (req) => withStatus(sup.setPaused((req.params as { id: string }).id, false)) },
    { method: 'GET', url: '/api/streams/:id/summaries', summary: 'Per-minute summaries of a stream (frames, audio windows, dropped packets, decoder and input errors, events, worst lag)',
      schema: { params: idParams, querystring: summariesQuery }, answer: { status: 200, schema: answers.summaries },
      handler: (req) => {
        const id = (req.params as { id: string }).id, q = req.query as { from?: string; to?: string };
        sup.get(id);
        const from = time(q.from, 'from'), to = time(q.to, 'to');
        return { summaries: store.minutes(id, from === undefined ? undefined : Math.floor(from / 60_000), to === undefined ? undefined : Math.ceil(to / 60_000)) };
      } },
    { method: 'GET', url: '/api/streams/:id/thumbnail', summary: 'The stream\'s latest picture (PNG, 256 px wide at most, about two a second); 404 while there is none',
      schema: { params: idParams }, answer: { status: 200, type: 'image/png' },
      handler: (req, reply) => {
        const png = sup.latestThumbnail((req.params as { id: string }).id);
        if (!png) throw new VqmonError('ERR_VQMON_NOT_FOUND', 'no picture of this stream yet (it has no decoded video, or is paused)');
        return reply.type('image/png').header('cache-control', 'no-store').send(png);
      } },
    { method: 'GET', url: '/api/streams/:id/samples', summary: 'The stream\'s once-a-second metric readings (motion, blockiness, audio level), oldest first',
      schema: { params: idParams, querystring: samplesQuery }, answer: { status: 200, schema: answers.samples },
      handler: (req) => ({ samples: sup.readings((req.params as { id: string }).id, (req.query as { seconds: number }).seconds) }) },
    { method: 'GET', url: '/api/samples/stream', queryToken: true, summary: 'Metric readings as Server-Sent Events (`event: sample`), one per stream per second',
      schema: { querystring: sampleStreamQuery }, answer: { status: 200, type: 'text/event-stream' },
      handler: (req, reply) => {
        ctx.notifier.admitClient();
        reply.hijack();
        ctx.notifier.addSampleClient(reply.raw, { stream: (req.query as { stream?: string }).stream });
      } },
    { method: 'GET', url: '/api/events/:id/thumbnail', summary: 'The picture at an event\'s start (PNG); 404 when there is none',
      schema: { params: eventIdParams }, answer: { status: 200, type: 'image/png' },
      handler: (req, reply) => {
        const png = store.eventThumbnail((req.params as { id: number }).id);
        if (!png) throw new VqmonError('ERR_VQMON_NOT_FOUND', 'no picture for this event (no such event, or its stream had no video at its start)');
        return reply.type('image/png').header('cache-control', 'private, max-age=86400').send(png);
      } },
    { method: 'GET', url: '/api/events', summary: 'Stored events by stream, type and time (oldest first)', schema: { querystring: eventsQuery }, answer: { status: 200, schema: answers.events },
      handler: (req) => ({ events: store.events(eventQuery(req.query as Parameters<typeof eventQuery>[0])) }) },
    { method: 'GET', url: '/api/events/export', summary: 'Stored events as CSV or NDJSON', schema: { querystring: exportQuery }, answer: { status: 200, type: 'text/csv, application/x-ndjson' },
      handler: (req, reply) => {
        const q = req.query as Parameters<typeof eventQuery>[0] & { format: 'csv' | 'ndjson' };
        const events = store.iterateEvents(eventQuery(q));
        reply.type(q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
          .header('content-disposition', `attachment; filename="vqmon-events.${q.format}"`);
        return reply.send(Readable.from(exportLines(events, q.format)));
      } },
    { method: 'GET', url: '/api/events/stream', queryToken: true, summary: 'Live events as Server-Sent Events; Last-Event-ID (or ?after=) replays stored events after that id first',
      schema: { querystring: sseQuery }, answer: { status: 200, type: 'text/event-stream' },
      handler: (req, reply) => {
        const q = req.query as { stream?: string; type?: string; after?: number };
        const last = req.headers['last-event-id'];
        const after = typeof last === 'string' && /^\d+$/.test(last) ? Number(last) : q.after;
        const replay = after !== undefined ? store.iterateEvents({ after, stream: q.stream, type: q.type }) : [];
        ctx.notifier.admitClient();
        reply.hijack();
        ctx.notifier.addClient(reply.raw, { stream: q.stream, type: q.type }, replay);
      } },
    { method: 'GET', url: '/openapi.json', summary: 'This description', answer: { status: 200 }, handler: () => openApi(routes(ctx, dash, check), ctx.version) },
    { method: 'GET', url: '/', queryToken: true, loginPage: true, summary: 'The dashboard (a browser without the token gets the login page); ?access_token= logs in and redirects here without it',
      answer: { status: 200, type: 'text/html' },
      handler: (req, reply) => {
        const q = (req.query as { access_token?: string } | undefined)?.access_token;
        // A token in the address: into the cookie, and out of the address bar and history.
        if (q !== undefined) {
          if (check.matches(q)) reply.header('set-cookie', loginCookie(q, secure(req)));
          else wrongToken(req);
          return reply.code(303).header('location', '/').send();
        }
        return sendAsset(reply, dash.index);
      } },
    { method: 'POST', url: '/login', auth: false, summary: 'Dashboard login: the token (form field or JSON "token") sets the HttpOnly login cookie and redirects to /',
      answer: { status: 303 },
      handler: (req, reply) => {
        const token = (req.body as { token?: unknown } | undefined)?.token;
        if (typeof token !== 'string' || !check.matches(token.trim())) {
          wrongToken(req);
          return sendAsset(reply, dash.login('Wrong token. It was printed by vqmon serve at its first start and is kept in <data-dir>/token.'), 401);
        }
        return reply.code(303).header('set-cookie', loginCookie(token.trim(), secure(req))).header('location', '/').send();
      } },
    { method: 'POST', url: '/logout', auth: false, summary: 'Dashboard logout: clears the login cookie, redirects to /', answer: { status: 303 },
      handler: (req, reply) => reply.code(303).header('set-cookie', loginCookie(null, secure(req))).header('location', '/').send() },
    { method: 'GET', url: '/assets/:file', auth: false, summary: "The dashboard's scripts and styles (no stream data)", schema: { params: assetParams },
      answer: { status: 200, type: 'text/javascript, text/css' },
      handler: (req, reply) => {
        const a = dash.assets.get((req.params as { file: string }).file);
        if (!a) throw new VqmonError('ERR_VQMON_NOT_FOUND', `no dashboard file ${(req.params as { file: string }).file}`);
        return sendAsset(reply, a);
      } },
  ];
}

const assetParams = { type: 'object', properties: { file: { type: 'string', pattern: '^[a-z0-9-]+\\.(js|css|svg)$' } }, required: ['file'], additionalProperties: false };

/** The Fastify app: routes, token check, error answers. Not listening yet. */
export function buildApi(ctx: ApiContext): FastifyInstance {
  const app = Fastify({
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
    // The drain ends what is still open (a stalled download) once events are out.
    forceCloseConnections: true,
    trustProxy: ctx.trustProxy ?? false,
  });
  // Closed schemas: unknown fields are refused (not stripped) and bodies are taken as
  // typed ("paused": "true" is not true). Query strings and path parameters are text by
  // nature: their numbers and booleans are read from it.
  const body = new Ajv({ removeAdditional: false, allErrors: false, useDefaults: true, coerceTypes: false });
  const text = new Ajv({ removeAdditional: false, allErrors: false, useDefaults: true, coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema));
  // The login form posts application/x-www-form-urlencoded (jsonOnly keeps it to /login).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, b, done) => {
    done(null, Object.fromEntries(new URLSearchParams(b as string)));
  });
  const check = new TokenCheck(ctx.token);
  const limiter = new AuthLimiter();
  const dash = loadDashboard();
  app.addHook('onRequest', async (req, reply) => {
    const wait = limiter.blockedFor(req.ip);
    if (wait) {
      await reply.code(429).header('retry-after', String(wait))
        .send({ error: { code: 'ERR_VQMON_RATE_LIMITED', message: `too many wrong tokens from ${req.ip}: try again in ${wait} s` } });
      return;
    }
    sameOrigin(req);
    jsonOnly(req, req.url.split('?')[0] === '/login');
  });
  for (const r of routes(ctx, dash, check, (req) => limiter.fail(req.ip))) {
    app.route({
      method: r.method, url: r.url, schema: r.schema,
      onRequest: r.auth === false ? undefined : async (req, reply) => {
        if (!check.authorized(req, r.queryToken === true)) {
          limiter.fail(req.ip);
          if (r.loginPage && /\btext\/html\b/.test(req.headers.accept ?? '')) {
            await sendAsset(reply.header('www-authenticate', 'Bearer realm="vqmon"'), dash.login(), 401);
            return;
          }
          await reply.code(401).header('www-authenticate', 'Bearer realm="vqmon"')
            .send({ error: { code: 'ERR_VQMON_UNAUTHORIZED', message: 'missing or wrong token: send Authorization: Bearer <token> (printed by vqmon serve at its first start, stored in <data-dir>/token)' } });
        }
      },
      handler: r.handler as never,
    });
  }
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: { code: 'ERR_VQMON_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]} (GET /openapi.json lists them)` } }));
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation) {
      const v = err.validation[0]!;
      const where = `${err.validationContext ?? 'request'}${v.instancePath ? v.instancePath.replace(/\//g, '.') : ''}`;
      const params = v.params as { additionalProperty?: string; allowedValues?: unknown[] };
      const message = params.additionalProperty !== undefined ? `${where}: unknown field '${params.additionalProperty}'`
        : params.allowedValues ? `${where} ${v.message ?? 'is invalid'}: ${params.allowedValues.map((x) => JSON.stringify(x)).join(', ')}`
          : `${where} ${v.message ?? 'is invalid'}`;
      return reply.code(400).send({ error: { code: 'ERR_VQMON_INVALID_ARG', message } });
    }
    if (isVqmonError(err)) return reply.code(STATUS[err.code] ?? 400).send({ error: { code: err.code, message: err.message } });
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) console.error(`vqmon: ${req.method} ${req.url.split('?')[0]}: ${err.stack ?? err.message}`);
    const badJson = err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError;
    const message = badJson ? `the body is not valid JSON (${err.message})` : status === 500 ? 'internal error (logged by the server)' : err.message;
    return reply.code(status).send({ error: { code: status === 500 ? 'ERR_VQMON_INTERNAL' : badJson ? 'ERR_VQMON_INVALID_ARG' : err.code ?? 'ERR_VQMON_INVALID_ARG', message } });
  });
  return app;
}

/** OpenAPI 3.1 from the route table. */
export function openApi(rs: Route[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  const param = (p: string) => p.replace(/:(\w+)/g, '{$1}');
  for (const r of rs) {
    const parameters: object[] = [];
    const props = (s: object | undefined) => Object.entries((s as { properties?: Record<string, object> } | undefined)?.properties ?? {});
    for (const [name, schema] of props(r.schema?.params)) parameters.push({ name, in: 'path', required: true, schema });
    for (const [name, schema] of props(r.schema?.querystring)) parameters.push({ name, in: 'query', schema });
    const content = r.answer?.schema ? { 'application/json': { schema: r.answer.schema } } : r.answer?.type ? { [r.answer.type]: {} } : undefined;
    (paths[param(r.url)] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      ...(parameters.length ? { parameters } : {}),
      ...(r.schema?.body ? { requestBody: { required: true, content: { 'application/json': { schema: r.schema.body } } } } : {}),
      ...(r.auth === false ? { security: [] } : {}),
      responses: {
        [String(r.answer?.status ?? 200)]: { description: 'success', ...(content ? { content } : {}) },
        ...(r.auth === false ? {} : { 401: { description: 'missing or wrong token', content: { 'application/json': { schema: errorAnswer } } } }),
        ...(r.schema ? { 400: { description: 'invalid request', content: { 'application/json': { schema: errorAnswer } } } } : {}),
      },
    };
  }
  return { openapi: '3.1.0', info: { title: 'vqmon monitor service', version }, components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }], paths };
}
