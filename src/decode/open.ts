/** Opening an input with bounded waits: a URL that never answers is an error, not a hang. */
import { VqmonError } from '../errors.js';
import { beamcoder, type BcDemuxer } from './beamcoder.js';

export const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) && !s.startsWith('file://');

/** FFmpeg protocol options (microseconds) for network inputs. */
export function networkOptions(url: string, timeoutSec: number): Record<string, string> {
  const us = String(Math.round(timeoutSec * 1e6));
  const o: Record<string, string> = { rw_timeout: us };
  // udp/rtp also need their own `timeout` (rtmp's `timeout` means listen mode: not set).
  if (/^(udp|rtp):/i.test(url)) o.timeout = us;
  return o;
}

/** Opens `url`; `extra` adds FFmpeg options for network inputs (format options such as the HLS reader's). */
export async function openInput(url: string, timeoutSec = 10, extra: Record<string, string> = {}): Promise<BcDemuxer> {
  const bc = beamcoder();
  try {
    return await bc.demuxer(isUrl(url) ? { url, options: { ...networkOptions(url, timeoutSec), ...extra } } : url.replace(/^file:\/\//, ''));
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/^In file .* found error: /, '') : String(e);
    const hint = /refused/i.test(why) ? 'nothing listens there: is the source running, on that host and port?'
      : /not found|404/i.test(why) ? 'check the path'
      : `nothing answered within ${timeoutSec} s? check the URL and that the source is sending`;
    throw new VqmonError('ERR_VQMON_INPUT_OPEN', isUrl(url)
      ? `cannot open ${url}: ${why} (${hint})`
      : `${url} is not a media file FFmpeg can read (${why})`);
  }
}
