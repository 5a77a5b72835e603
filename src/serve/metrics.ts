/**
 * Prometheus metrics (prom-client, a registry of our own): per stream, read from the
 * supervisor's status at each scrape; events and webhook outcomes counted as they happen;
 * Node's process gauges (vqmon_process_* CPU, memory, fds; vqmon_nodejs_* event loop lag, heap, GC) from collectDefaultMetrics.
 *
 *   vqmon_frames_analyzed_total{stream}        vqmon_audio_windows_analyzed_total{stream}
 *   vqmon_stream_fps{stream}                   vqmon_stream_lag_seconds{stream}
 *   vqmon_decoder_errors_total{stream}         vqmon_input_errors_total{stream}
 *   vqmon_dropped_packets_total{stream}        vqmon_stream_up{stream}  (1 live, 0 otherwise)
 *   vqmon_events_total{stream,type}  (phase start only: one per defect)
 *   vqmon_webhook_deliveries_total{result}     vqmon_sse_clients
 *   vqmon_event_write_failures_total           vqmon_events_unstored      vqmon_events_lost_total
 *
 * Per-stream totals are gauges over the input's counters: they restart from 0 when a
 * stream is paused and resumed or its settings change (the input is reopened).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

export interface StreamGaugeSource {
  id: string;
  up: boolean;
  fps: number;
  lagSec: number;
  videoFrames: number;
  audioWindows: number;
  decoderErrors: number;
  inputErrors: number;
  droppedPackets: number;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly events: Counter<'stream' | 'type'>;
  private readonly webhooks: Counter<'result'>;

  constructor(streams: () => StreamGaugeSource[], sseClients: () => number,
    eventWrites: () => { failures: number; waiting: number; dropped: number } = () => ({ failures: 0, waiting: 0, dropped: 0 })) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'vqmon_' }); // vqmon_process_*, vqmon_nodejs_*
    const perStream = (name: string, help: string, pick: (s: StreamGaugeSource) => number) => new Gauge({
      name, help, labelNames: ['stream'], registers: [r],
      collect() {
        this.reset();
        for (const s of streams()) this.set({ stream: s.id }, pick(s));
      },
    });
    perStream('vqmon_frames_analyzed_total', 'Video frames analysed by the stream\'s current input', (s) => s.videoFrames);
    perStream('vqmon_audio_windows_analyzed_total', '50 ms audio windows analysed by the stream\'s current input', (s) => s.audioWindows);
    perStream('vqmon_stream_fps', 'Video frames analysed per second (last 5 s)', (s) => s.fps);
    perStream('vqmon_stream_lag_seconds', 'Seconds the analysis is behind real time (sustained)', (s) => s.lagSec);
    perStream('vqmon_decoder_errors_total', 'Video packets refused and frames flagged damaged by the decoder', (s) => s.decoderErrors);
    perStream('vqmon_input_errors_total', 'Failures to open or read the input', (s) => s.inputErrors);
    perStream('vqmon_dropped_packets_total', 'Packets read but not analysed (analysis behind real time)', (s) => s.droppedPackets);
    perStream('vqmon_stream_up', '1 while the input delivers media, else 0', (s) => (s.up ? 1 : 0));
    new Gauge({ name: 'vqmon_event_write_failures_total', help: 'Event writes the store refused (each is kept and written again)', registers: [r], collect() { this.set(eventWrites().failures); } });
    new Gauge({ name: 'vqmon_events_unstored', help: 'Events waiting to be written again after a failed write', registers: [r], collect() { this.set(eventWrites().waiting); } });
    new Gauge({ name: 'vqmon_events_lost_total', help: 'Events given up after too many waited for a failing store', registers: [r], collect() { this.set(eventWrites().dropped); } });
    new Gauge({ name: 'vqmon_sse_clients', help: 'Connected Server-Sent Events clients', registers: [r], collect() { this.set(sseClients()); } });
    this.events = new Counter({ name: 'vqmon_events_total', help: 'Events raised (phase start), by stream and type', labelNames: ['stream', 'type'], registers: [r] });
    this.webhooks = new Counter({ name: 'vqmon_webhook_deliveries_total', help: 'Webhook deliveries: delivered, or dropped after the last retry or off a full queue', labelNames: ['result'], registers: [r] });
  }

  event(stream: string, type: string): void {
    this.events.inc({ stream, type });
  }

  webhook(ok: boolean, dropped: number): void {
    if (ok) this.webhooks.inc({ result: 'delivered' });
    if (dropped) this.webhooks.inc({ result: 'dropped' }, dropped);
  }
}
