// Decoding a file for the suite, as vqmon's segment workers decode (src/pool/segment-worker.ts):
// the built decode layer (node-av) with synchronous calls, each packet read with readSync
// and decoded with decodeSync into one reused array. Video decodes with a thread per core,
// as `ffmpeg -i X -f null -` does (threads=auto), so that decode-only rows compare like
// with like; audio on one thread, as in the workers.
import { availableParallelism } from 'node:os';

import { Decoder } from '../../dist/decode/decoder.js';
import { openInputSync } from '../../dist/decode/open.js';

/**
 * Decodes the streams of `file` whose type is in `types`, while `more()` is true (to the end
 * of the file: the decoders are flushed). `onFrames(type, frames)` gets each call's frames
 * in a reused array: it must release them (releaseFrames) or keep them, and copy out any it
 * keeps. `whileOpen()` runs after the reading, before the decoders close (a frame kept is
 * valid until then); its result is returned.
 */
export async function decodeFile(file, { types = ['video', 'audio'], onFrames, more = () => true, whileOpen = () => undefined }) {
  const input = openInputSync(file);
  const decoders = new Map();
  try {
    for (const s of input.streams) {
      if (types.includes(s.type)) decoders.set(s.index, { type: s.type, dec: new Decoder(input, s.index, s.type === 'video' ? availableParallelism() : 1) });
    }
    const frames = [];
    const hand = (d) => {
      onFrames(d.type, frames);
      frames.length = 0;
    };
    while (more() && input.readSync()) {
      const d = decoders.get(input.packet.streamIndex);
      if (!d) continue;
      d.dec.decodeSync(frames);
      hand(d);
    }
    for (const d of decoders.values()) {
      if (!more()) break;
      d.dec.flushSync(frames);
      hand(d);
    }
    return await whileOpen();
  } finally {
    for (const d of decoders.values()) d.dec.close();
    await input.close();
  }
}
