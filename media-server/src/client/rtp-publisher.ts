import { type ChildProcess, spawn } from 'node:child_process';
import type { SignalingClient } from './signaling-client.ts';

export type RtpPublishOptions = {
  /** Any file ffmpeg can read (WAV, MP3, MP4, WebM...). */
  file: string;
  audio?: boolean;
  video?: boolean;
  /** Play the file this many times (-1: forever). */
  loop?: number;
  ffmpegPath?: string;
};

export type RtpPublication = {
  producers: { kind: 'audio' | 'video'; id: string }[];
  ffmpeg: ChildProcess;
  /** ffmpeg's command line, for logs and docs. */
  args: string[];
  /** Resolves when ffmpeg exits (end of file or stop()). */
  done: Promise<number | null>;
  stop(): Promise<void>;
};

/**
 * What an RTP sender (ffmpeg) and the `produce` call must agree on, per kind: payload type, SSRC,
 * and the producer's RTP parameters (Opus stereo at 48 kHz, VP8).
 */
export const rtpIngestStreams = {
  audio: {
    payloadType: 100,
    ssrc: 11111111,
    rtpParameters: {
      codecs: [
        { mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2, parameters: { 'sprop-stereo': 1 } },
      ],
      encodings: [{ ssrc: 11111111 }],
    },
  },
  video: {
    payloadType: 101,
    ssrc: 22222222,
    rtpParameters: {
      codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }],
      encodings: [{ ssrc: 22222222 }],
    },
  },
} as const;
const { audio: AUDIO, video: VIDEO } = rtpIngestStreams;

/**
 * Publishes a media file into a room over RTP (the SFU's RTP ingest): one plain transport per
 * kind, a producer on each, then ffmpeg encodes Opus / VP8 in real time and sends RTP to them.
 * The client must have joined already.
 */
export async function publishFileOverRtp(client: SignalingClient, opts: RtpPublishOptions): Promise<RtpPublication> {
  const wantAudio = opts.audio ?? true;
  const wantVideo = opts.video ?? false;
  const args = ['-hide_banner', '-loglevel', 'error', '-re'];
  if (opts.loop) args.push('-stream_loop', String(opts.loop));
  args.push('-i', opts.file);
  const producers: RtpPublication['producers'] = [];
  if (wantAudio) {
    const t = await client.request('createPlainTransport', { rtcpMux: false });
    const { producerId } = await client.request('produce', {
      transportId: t.id,
      kind: 'audio',
      source: 'file',
      rtpParameters: AUDIO.rtpParameters,
    });
    producers.push({ kind: 'audio', id: producerId });
    args.push(
      '-map',
      '0:a:0',
      '-c:a',
      'libopus',
      '-ac',
      '2',
      '-ar',
      '48000',
      '-b:a',
      '48k',
      '-application',
      'voip',
      '-payload_type',
      String(AUDIO.payloadType),
      '-ssrc',
      String(AUDIO.ssrc),
      '-f',
      'rtp',
      `rtp://${t.ip}:${t.port}?rtcpport=${t.rtcpPort ?? t.port + 1}&pkt_size=1200`,
    );
  }
  if (wantVideo) {
    const t = await client.request('createPlainTransport', { rtcpMux: false });
    const { producerId } = await client.request('produce', {
      transportId: t.id,
      kind: 'video',
      source: 'file',
      rtpParameters: VIDEO.rtpParameters,
    });
    producers.push({ kind: 'video', id: producerId });
    args.push(
      '-map',
      '0:v:0',
      '-c:v',
      'libvpx',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      '800k',
      '-g',
      '60',
      '-pix_fmt',
      'yuv420p',
      '-payload_type',
      String(VIDEO.payloadType),
      '-ssrc',
      String(VIDEO.ssrc),
      '-f',
      'rtp',
      `rtp://${t.ip}:${t.port}?rtcpport=${t.rtcpPort ?? t.port + 1}&pkt_size=1200`,
    );
  }
  if (producers.length === 0) throw new Error('nothing to publish: audio and video are both off');
  const ffmpeg = spawn(opts.ffmpegPath ?? 'ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  ffmpeg.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const done = new Promise<number | null>((resolve, reject) => {
    ffmpeg.once('error', reject);
    ffmpeg.once('exit', (code) =>
      code && code !== 255 ? reject(new Error(`ffmpeg exited ${code}: ${stderr}`)) : resolve(code),
    );
  });
  done.catch(() => undefined);
  return {
    producers,
    ffmpeg,
    args,
    done,
    async stop() {
      // SIGINT makes ffmpeg finish cleanly, as 'q' on its console would.
      if (ffmpeg.exitCode === null) ffmpeg.kill('SIGINT');
      await done.catch(() => undefined);
    },
  };
}
