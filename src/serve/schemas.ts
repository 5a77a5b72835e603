/**
 * JSON schemas of the service's requests and answers. Every object is closed
 * (additionalProperties: false), so an unknown or misspelt field is a 400, not ignored.
 * The schemas check shapes and types; value ranges are checkLiveOptions'/checkLiveUrl's
 * (src/live/options.ts), the same checks as createMonitor and vqmon watch.
 */
import { LIVE_DETECTORS, type LiveOptions } from '../live/options.js';

/** A stream's own settings: the live options without the monitor-wide and testing ones. */
export type StreamOptions = Omit<LiveOptions, 'maxQueuedEvents' | 'maxInputs' | 'debug'>;

const num = { type: 'number' } as const;
const bool = { type: 'boolean' } as const;
const closed = (properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, properties }) as const;
const mask = { type: 'array', maxItems: 64, items: { type: 'array', minItems: 4, maxItems: 4, items: num } } as const;
const graphics = { partial: bool, graphicsMargin: num, graphicsArea: num, mask };

export const streamOptionsSchema = closed({
  only: { type: 'array', maxItems: LIVE_DETECTORS.length, uniqueItems: true, items: { type: 'string', enum: [...LIVE_DETECTORS] } },
  freeze: closed({ noise: num, minDuration: num, refreshTolerance: num, refreshInterval: num, ...graphics }),
  black: closed({ pixelThreshold: num, pictureThreshold: num, minDuration: num, ...graphics }),
  blockiness: closed({ threshold: num, minDuration: num, baselineWindow: num }),
  silence: closed({ level: num, minDuration: num }),
  clipping: closed({ clipLevel: num, minSamples: num, mergeGap: num }),
  corruption: closed({ decoder: bool, pixels: bool, minTiles: num, maxRecovery: num, mergeGap: num, minDuration: num }),
  audio_missing: closed({ minDuration: num }),
  video_missing: closed({ minDuration: num }),
  av_sync: closed({ frequency: num, minJump: num, maxOffset: num, minPairs: num, tolerance: num, timestamps: bool }),
  stallTimeout: num,
  reconnectDelay: num,
  openTimeout: num,
  maxLag: num,
});

const url = { type: 'string', minLength: 1, maxLength: 2048, description: 'live input: udp://, rtp://, srt://, rtmp(s)://, rtsp(s)://, http(s):// (HLS), tcp://' } as const;
const name = { type: 'string', minLength: 1, maxLength: 200 } as const;

export const streamCreateSchema = { ...closed({ url, name, options: streamOptionsSchema, paused: bool }), required: ['url'] } as const;
export const streamUpdateSchema = { ...closed({ name, options: streamOptionsSchema }), minProperties: 1 } as const;
export const idParams = { ...closed({ id: { type: 'string', minLength: 1, maxLength: 64 } }), required: ['id'] } as const;

export const eventsQuery = closed({
  stream: { type: 'string', maxLength: 64, description: 'stream id' },
  type: { type: 'string', maxLength: 64, description: 'event type (freeze, black, stall, input_error, ...)' },
  from: { type: 'string', maxLength: 40, description: 'ISO 8601 time or epoch ms, inclusive' },
  to: { type: 'string', maxLength: 40, description: 'ISO 8601 time or epoch ms, exclusive' },
  after: { type: 'integer', minimum: 0, description: 'only events with a larger id' },
  limit: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 },
});

export const exportQuery = { ...eventsQuery, properties: { ...eventsQuery.properties, format: { type: 'string', enum: ['csv', 'ndjson'], default: 'ndjson' }, limit: { type: 'integer', minimum: 1, maximum: 100_000_000 } } } as const;

export const summariesQuery = closed({
  from: { type: 'string', maxLength: 40, description: 'ISO 8601 time or epoch ms, inclusive (whole minutes)' },
  to: { type: 'string', maxLength: 40, description: 'ISO 8601 time or epoch ms, exclusive (whole minutes)' },
});

export const eventIdParams = { ...closed({ id: { type: 'integer', minimum: 1 } }), required: ['id'] } as const;

export const samplesQuery = closed({
  seconds: { type: 'integer', minimum: 1, maximum: 600, default: 120, description: 'readings of the last N seconds' },
});

export const sampleStreamQuery = closed({
  stream: { type: 'string', maxLength: 64 },
  access_token: { type: 'string', maxLength: 512, description: 'the token, for clients that cannot set headers (EventSource)' },
});

const sampleAnswer = { type: 'object', properties: {
  streamId: { type: 'string' }, at: { type: 'integer', description: 'epoch ms' }, mediaTime: { type: 'number' }, fps: { type: 'number' },
  motion: { type: ['number', 'null'], description: 'mean absolute luma difference to the frame before, 0..1 of full scale (the unit of freeze.noise)' },
  blockiness: { type: ['number', 'null'], description: 'mean blockiness score, 0..1' },
  audioDb: { type: ['number', 'null'], description: 'RMS level of the loudest channel, dBFS (floor -120)' } } } as const;

export const sseQuery = closed({
  stream: { type: 'string', maxLength: 64 },
  type: { type: 'string', maxLength: 64 },
  after: { type: 'integer', minimum: 0, description: 'replay stored events with a larger id first (as the Last-Event-ID header)' },
  access_token: { type: 'string', maxLength: 512, description: 'the token, for clients that cannot set headers (EventSource)' },
});

const storedEvent = {
  type: 'object',
  properties: {
    id: { type: 'integer' }, streamId: { type: 'string' }, input: { type: 'string' }, at: { type: 'integer', description: 'epoch ms' },
    type: { type: 'string' }, phase: { type: 'string', enum: ['start', 'end'] }, start: num, end: num, duration: num, score: num,
    detail: { type: 'object', additionalProperties: true },
  },
} as const;

const streamAnswer = {
  type: 'object',
  properties: {
    id: { type: 'string' }, url: { type: 'string' }, name: { type: 'string' }, options: { type: 'object', additionalProperties: true },
    paused: bool, createdAt: { type: 'integer' }, updatedAt: { type: 'integer' },
    status: {
      type: 'object',
      properties: {
        state: { type: 'string', enum: ['connecting', 'live', 'retrying', 'stopped', 'paused'] }, stalled: bool, fps: num,
        videoFrames: { type: 'integer' }, audioWindows: { type: 'integer' }, decoderErrors: { type: 'integer' }, inputErrors: { type: 'integer' },
        droppedPackets: { type: 'integer' }, lagSec: num, maxLagSec: num, mediaTime: num,
        lastError: { type: ['object', 'null'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
      },
    },
  },
} as const;

export const errorAnswer = { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } } } as const;

export const answers = { samples: { type: 'object', properties: { samples: { type: 'array', items: sampleAnswer } } }, stream: streamAnswer, streams: { type: 'object', properties: { streams: { type: 'array', items: streamAnswer } } },
  events: { type: 'object', properties: { events: { type: 'array', items: storedEvent } } }, event: storedEvent,
  summaries: { type: 'object', properties: { summaries: { type: 'array', items: { type: 'object', properties: {
    streamId: { type: 'string' }, minute: { type: 'integer', description: 'epoch minute' }, frames: { type: 'integer' }, audioWindows: { type: 'integer' },
    droppedPackets: { type: 'integer' }, decoderErrors: { type: 'integer' }, inputErrors: { type: 'integer' }, events: { type: 'integer' }, maxLag: num } } } } } } as const;
