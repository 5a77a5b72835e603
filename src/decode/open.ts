/** Opening an input with bounded waits: a URL that never answers is an error, not a hang. */
import { VqmonError } from '../errors.js';
import { ffmpegError, MediaInput } from './input.js';

export const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) && !s.startsWith('file://');

/** FFmpeg protocol options (microseconds) for network inputs. */
export function networkOptions(url: string, timeoutSec: number): Record<string, string> {
  const us = String(Math.round(timeoutSec * 1e6));
  const o: Record<string, string> = { rw_timeout: us };
  // udp/rtp also need their own `timeout` (rtmp's `timeout` means listen mode: not set).
  if (/^(udp|rtp):/i.test(url)) o.timeout = us;
  return o;
}

/** What FFmpeg is given for `url`: the path of a local file, or the URL with its timeouts. */
function target(url: string, timeoutSec: number, extra: Record<string, string>): [string, Record<string, string>] {
  return isUrl(url) ? [url, { ...networkOptions(url, timeoutSec), ...extra }] : [url.replace(/^file:\/\//, ''), {}];
}

/** The typed error for a failed open, with a hint a person can act on. */
function openError(url: string, code: number, timeoutSec: number): VqmonError {
  const why = ffmpegError(code);
  const hint = /refused/i.test(why) ? 'nothing listens there: is the source running, on that host and port?'
    : /not found|404/i.test(why) ? 'check the path'
    : /exit/i.test(why) ? 'the open was stopped'
    : `nothing answered within ${timeoutSec} s? check the URL and that the source is sending`;
  return new VqmonError('ERR_VQMON_INPUT_OPEN', isUrl(url)
    ? `cannot open ${url}: ${why} (${hint})`
    : `${url} is not a media file FFmpeg can read (${why})`);
}

/**
 * Opens `url` (async calls: for the main thread); `extra` adds FFmpeg options for network
 * inputs (format options such as the HLS reader's). `input` lets the caller hold the input
 * before the open ends, to interrupt it (a stop). `label`: the URL as errors show it (credentials redacted).
 */
export async function openInput(url: string, timeoutSec = 10, extra: Record<string, string> = {},
                                input = new MediaInput(), label = url): Promise<MediaInput> {
  const [where, options] = target(url, timeoutSec, extra);
  const r = await input.open(where, options).catch(async (e) => { await input.close(); throw e; });
  if (r < 0) {
    await input.close();
    throw openError(label, r, timeoutSec);
  }
  return input;
}

/** openInput with synchronous calls, for pool workers. */
export function openInputSync(url: string, timeoutSec = 10): MediaInput {
  const [where, options] = target(url, timeoutSec, {});
  const input = new MediaInput();
  const r = input.openSync(where, options);
  if (r < 0) {
    void input.close();
    throw openError(url, r, timeoutSec);
  }
  return input;
}
