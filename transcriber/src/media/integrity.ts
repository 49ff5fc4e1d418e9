import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { MediaError, type MediaInfo, probeMedia } from './probe.ts';

const run = promisify(execFile);

/** Seconds decoded at the end (and, to tell damage from garbage, at the start): cheap on an hour-long file. */
const SAMPLE_SECONDS = 3;
/** A tail that decodes to less than this share of its expected length has data missing. */
const TAIL_MIN_SHARE = 0.5;
const FFMPEG_TIMEOUT_MS = 120_000;
/** Read and connect timeout for URL inputs (µs, as ffmpeg wants it). */
const URL_RW_TIMEOUT_US = '30000000';

/** What ffmpeg says when data it was promised is not there. */
const damageSigns = [
  /partial file/i,
  /invalid data found/i,
  /moov atom not found/i,
  /file ended prematurely/i,
  /truncat/i,
  /end of file/i,
];

/** Demuxers that read files that are not audio or video (text shown as video, single images). */
const notMediaFormat = (format: string) => format === 'tty' || format === 'image2' || format.endsWith('_pipe');

/**
 * Demuxers that open further files or URLs named inside the input (playlists, manifests, session
 * descriptions). ffprobe detects them by content whatever the file is called, so an upload could
 * point them at the server's own files (an HLS playlist naming `file:/.../other-tenant.mp4`) and
 * have those cut into its clips.
 */
const indirectFormats: ReadonlySet<string> = new Set([
  'hls',
  'applehttp',
  'dash',
  'concat',
  'sdp',
  'rtsp',
  'imf',
  'webm_dash_manifest',
]);
const isIndirect = (container: string) => container.split(',').some((name) => indirectFormats.has(name.trim()));

const isUrl = (input: string) => /^https?:\/\//i.test(input);

/**
 * probeMedia plus a check that the media is whole: the last seconds must decode. Truncated
 * uploads (an MP4 cut short, with its index at the start or at the end, a WebM or MP3 missing
 * its tail) throw ERR_MEDIA_TRUNCATED; text and random bytes ERR_UNSUPPORTED_MEDIA, even where
 * ffmpeg takes them for a raw audio or video stream; media without audio ERR_NO_AUDIO.
 * `pathOrUrl` is a local path or an http(s) URL (read by range, so a presigned URL of a large
 * object costs a few requests, not a download). Messages never contain the input, which may be
 * a temp path or a signed URL.
 */
export async function checkMedia(pathOrUrl: string): Promise<MediaInfo> {
  let info: MediaInfo;
  try {
    info = await probeMedia(pathOrUrl);
  } catch (err) {
    throw await explainProbeFailure(pathOrUrl, err);
  }
  if (isIndirect(info.container)) {
    throw new MediaError('ERR_UNSUPPORTED_MEDIA', `${info.container} refers to other files: upload the media itself`);
  }
  if (!(info.durationMs > 0)) throw new MediaError('ERR_UNSUPPORTED_MEDIA', 'media has no duration');
  const expectedUs = Math.min(SAMPLE_SECONDS * 1000, info.durationMs) * 1000;
  const tail = await decode(pathOrUrl, ['-sseof', `-${expectedUs / 1e6}`]);
  // Only damage counts here: some whole files log harmless errors near their end.
  const damage = tail.errors.find((line) => damageSigns.some((sign) => sign.test(line))) ?? tail.failure;
  const short = tail.decodedUs < expectedUs * TAIL_MIN_SHARE;
  if (!damage && !short) return info;
  // Broken at the end only: cut short. Broken from the start: never was media (text that
  // ffmpeg reads as raw AMR, say).
  const head = await decode(pathOrUrl, ['-t', String(SAMPLE_SECONDS)]);
  if (head.errors.length > 0 || head.decodedUs === 0) {
    throw new MediaError('ERR_UNSUPPORTED_MEDIA', `not valid audio or video: ${head.errors[0] ?? 'nothing decodes'}`);
  }
  throw new MediaError(
    'ERR_MEDIA_TRUNCATED',
    damage
      ? `media is truncated or damaged: ${damage}`
      : `media is truncated: the last ${(expectedUs / 1e6).toFixed(1)} s decode to ${(tail.decodedUs / 1e6).toFixed(1)} s`,
  );
}

type Decoded = {
  /** ffmpeg's error lines, cleaned. */
  errors: string[];
  /** How far decoding got (µs of output). */
  decodedUs: number;
  /** Video frames decoded. */
  frames: number;
  /** Set when ffmpeg gave up (non-zero exit). */
  failure?: string;
};

/** Decodes part of the input (chosen by `select`, e.g. `-sseof -3`) to nothing, collecting errors and progress. */
async function decode(input: string, select: string[], map: string[] = []): Promise<Decoded> {
  const args = ['-nostdin', '-v', 'error', ...(isUrl(input) ? ['-rw_timeout', URL_RW_TIMEOUT_US] : [])];
  args.push(...select, '-i', input, ...map, '-f', 'null', '-progress', 'pipe:1', '-');
  let stdout = '';
  let stderr = '';
  let exited = true;
  try {
    ({ stdout, stderr } = await run('ffmpeg', args, { maxBuffer: 8 << 20, timeout: FFMPEG_TIMEOUT_MS }));
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string; killed?: boolean };
    if (e.code === 'ENOENT') throw new Error('ffmpeg is not installed');
    // Slow storage or a stalled URL says nothing about the media: not a verdict, a failure.
    if (e.killed) throw new Error(`ffmpeg took over ${FFMPEG_TIMEOUT_MS / 1000} s to decode a sample`);
    ({ stdout = '', stderr = '' } = e);
    exited = false;
  }
  const errors = stderr
    .split('\n')
    .map((line) => clean(line, input))
    .filter((line) => line && !/^Last message repeated/i.test(line));
  if (!exited && errors.length === 0) errors.push('ffmpeg could not decode it');
  const last = (name: string) =>
    Math.max(0, ...[...stdout.matchAll(new RegExp(`^${name}=(\\d+)`, 'gm'))].map((m) => Number(m[1])));
  return {
    errors,
    decodedUs: last('out_time_us'),
    frames: last('frame'),
    ...(exited ? {} : { failure: errors.at(-1) }),
  };
}

/** Turns probe failures that are really truncation or non-media into their own codes. */
async function explainProbeFailure(input: string, err: unknown): Promise<unknown> {
  if (!(err instanceof MediaError)) return err;
  if (err.code === 'ERR_UNSUPPORTED_MEDIA' && (await startsLikeMp4(input))) {
    // MP4 writers put the index (moov) last unless told otherwise: a file that starts as an MP4
    // but cannot be opened has lost its end (random bytes named .mp4 do not start like this).
    return new MediaError(
      'ERR_MEDIA_TRUNCATED',
      'media is truncated or damaged: an MP4 without a readable index (moov atom)',
    );
  }
  if (err.code === 'ERR_NO_AUDIO' && !(await isVideo(input))) {
    return new MediaError('ERR_UNSUPPORTED_MEDIA', 'not an audio or video file');
  }
  return new MediaError(err.code, clean(err.message, input));
}

/**
 * Real video without sound, rather than text or an image (which ffmpeg also reads as video), or
 * bytes that merely look like a raw video stream (about one random file in seventy reads as
 * H.263): a container ffmpeg knows as media, and its first seconds decode cleanly.
 */
async function isVideo(input: string): Promise<boolean> {
  try {
    const { stdout: format } = await run(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'format=format_name', '-of', 'default=nw=1:nk=1', input],
      { timeout: FFMPEG_TIMEOUT_MS },
    );
    if (notMediaFormat(format.trim())) return false;
    const head = await decode(input, ['-t', String(SAMPLE_SECONDS)], ['-map', '0:v:0']);
    return head.errors.length === 0 && head.frames > 0;
  } catch {
    return false;
  }
}

/** ISO BMFF: the first box is `ftyp`. */
async function startsLikeMp4(input: string): Promise<boolean> {
  const head = await readHead(input, 12).catch(() => Buffer.alloc(0));
  return head.length >= 8 && head.subarray(4, 8).toString('latin1') === 'ftyp';
}

async function readHead(input: string, bytes: number): Promise<Buffer> {
  if (isUrl(input)) {
    const res = await fetch(input, { headers: { range: `bytes=0-${bytes - 1}` }, signal: AbortSignal.timeout(30_000) });
    return Buffer.from(await res.arrayBuffer()).subarray(0, bytes);
  }
  const file = await open(input);
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await file.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** Drops ffmpeg's `[demuxer @ 0x…]` prefixes, the input itself and any URL (signed URLs are credentials). */
function clean(line: string, input: string): string {
  return line
    .split(input)
    .join('<media>')
    .replace(/https?:\/\/\S+/gi, '<url>')
    .replace(/^\s*\[[^\]]*@ 0x[0-9a-f]+\]\s*/i, '')
    .trim();
}
