// Decode only, through vqmon's decode layer (node-av) as its segment workers use it:
// synchronous calls (readSync, decodeSync into one reused array), every frame released at
// once, one decoder per video and audio stream, no analysis: what vqmon's decoding costs
// next to `ffmpeg -i X -f null -`. Video decodes with a thread per core, as the ffmpeg
// command does (threads=auto); libavcodec's own default, which the Decoder keeps when it is
// given no count, is one thread. Audio decodes on one thread, as in the workers. (The
// decoding itself: bench/suite/decode.mjs.)
//   node bench/suite/decode-only.mjs <file>   -> prints {"video":N,"audio":M}
import { releaseFrames } from '../../dist/decode/decoder.js';
import { decodeFile } from './decode.mjs';

const count = { video: 0, audio: 0 };
await decodeFile(process.argv[2], {
  onFrames: (type, frames) => {
    count[type] += frames.length;
    releaseFrames(frames);
  },
});
console.log(JSON.stringify(count));
