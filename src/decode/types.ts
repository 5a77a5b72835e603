/**
 * vqmon's decode interface: what the engine reads of an input, its packets and its decoded
 * frames, in plain numbers and strings. Only src/decode/ knows the FFmpeg binding behind it
 * (node-av, see ffmpeg.ts).
 */

/** A fraction [num, den] (time bases, frame rates, pixel shapes); [0, 1] when unknown. */
export type Rational = readonly [number, number];

/** One stream of an input, as its demuxer describes it. */
export interface StreamParams {
  index: number;
  type: 'video' | 'audio' | 'subtitle' | 'data' | 'attachment' | 'unknown';
  /** Codec name as FFmpeg spells it (h264, aac...); null when FFmpeg has none. */
  codec: string | null;
  width: number;
  height: number;
  /** Video: the pixel format's name (yuv420p...); audio: the sample format's (fltp...); null when unknown. */
  format: string | null;
  sampleRate: number;
  channels: number;
  /** Pixel shape; [0, 1] when unknown. */
  sampleAspectRatio: Rational;
  timeBase: Rational;
  avgFrameRate: Rational;
  rFrameRate: Rational;
}

/**
 * The packet an input read last. The input reuses one packet (and this record) for every
 * read: read what you need before the next read.
 */
export interface PacketInfo {
  streamIndex: number;
  /** In the stream's time base; null when the packet has none. */
  pts: number | null;
  dts: number | null;
  duration: number;
  key: boolean;
}

/**
 * A decoded frame. For video it is also what the kernels read (`VideoFrame` in
 * src/native.ts): `data` are Buffers over the decoder's own memory, not copies, valid until
 * the frame is released (decoder.ts `releaseFrames`); a released frame's planes read as
 * empty, so a kernel handed one refuses it rather than touching freed memory. Audio frames
 * are read at once (frames.ts `audioChannels` copies) and released.
 */
export interface DecodedFrame {
  /** Pixel or sample format name; null when FFmpeg has no name for it. */
  format: string | null;
  width: number;
  height: number;
  data: Buffer[];
  linesize: number[];
  /** Best-effort timestamp, else pts, in the stream's time base; null when it has neither. */
  time: number | null;
  samples: number;
  sampleRate: number;
  channels: number;
  /** The decoder flagged the frame corrupt or set a decode_error_flags bit (concealed damage). */
  damaged: boolean;
  /** An intra picture (keyframe or I picture): decoding it needs no earlier frame. */
  intra: boolean;
}
