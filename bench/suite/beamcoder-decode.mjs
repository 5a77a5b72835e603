// Decode only, through beamcoder as vqmon uses it (raw addon, lean frames, packets sent in
// groups of 8 with one group in flight per decoder while the next is read, frames handed
// back to FFmpeg at once), one decoder per stream, no analysis: what vqmon's decoding
// costs next to `ffmpeg -i X -f null -`. Video decodes with a thread per core, as the
// ffmpeg command does (threads=auto); libavcodec's own default, which beamcoder keeps, is
// one thread.
//   node bench/suite/beamcoder-decode.mjs <file>   -> prints {"video":N,"audio":M}
import { availableParallelism } from 'node:os';

import { openDecoder } from '../../dist/decode/beamcoder.js';
import { openInput } from '../../dist/decode/open.js';
import { native } from '../../dist/index.js';

const file = process.argv[2];
const dm = await openInput(file);
const decoders = new Map();
for (const s of dm.streams) {
  if (s.codecpar.codec_type === 'video' || s.codecpar.codec_type === 'audio') {
    decoders.set(s.index, { type: s.codecpar.codec_type, dec: openDecoder(dm, s.index, s.codecpar.codec_type === 'video' ? availableParallelism() : 1), packets: [], inFlight: null, frames: 0 });
  }
}
const take = (d, frames) => {
  d.frames += frames.length;
  if (d.type === 'video') native.releaseFrames(frames);
};
const send = async (d) => {
  const ready = d.inFlight ? await d.inFlight : [];
  d.inFlight = d.packets.length ? d.dec.decode(d.packets).then((r) => r.frames, () => []) : null;
  d.packets = [];
  take(d, ready);
};
for (;;) {
  const p = await dm.read();
  if (!p) break;
  const d = decoders.get(p.stream_index);
  if (!d) continue;
  d.packets.push(p);
  if (d.packets.length >= 8) await send(d);
}
for (const d of decoders.values()) {
  await send(d);
  await send(d);
  take(d, (await d.dec.flush()).frames);
}
dm.forceClose();
const count = (type) => [...decoders.values()].filter((d) => d.type === type).reduce((a, d) => a + d.frames, 0);
console.log(JSON.stringify({ video: count('video'), audio: count('audio') }));
