import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { type Bus, headerNames } from '@mi/bus';
import {
  type EventContext,
  type KeyframeData,
  makeEvent,
  type Participant,
  type RecordingData,
  subjects,
} from '@mi/contracts';
import type { Logger } from '@mi/telemetry';
import { findFreeUdpPortPair } from './free-port.ts';
import { buildVideoSdp, isSupportedVideoMimeType, type RtpVideoCodec } from './sdp.ts';

/**
 * The part of the object store the tap needs (any `ObjectStore` from @mi/object-store fits).
 * `put` must stream a Readable body rather than buffer it.
 */
export interface KeyframeObjectStore {
  put(
    key: string,
    body: Readable | Uint8Array | string,
    opts?: { contentType?: string; metadata?: Record<string, string> },
  ): Promise<{ etag: string; size: number }>;
  delete?(key: string): Promise<void>;
}

export type KeyframeReason = KeyframeData['reason'];

export interface VideoKeyframeTapOptions {
  bus: Bus;
  store: KeyframeObjectStore;
  ctx: EventContext;
  room: string;
  participant: Participant;
  /** The video producer (track); part of event ids and of the `producer` field. */
  producerId: string;
  codec: RtpVideoCodec;
  /** Scene score (0-1, ffmpeg `select` scene metric) above which a frame counts as a cut. Default 0.3. */
  sceneThreshold?: number;
  /** At most one kept frame per this many ms of track time (a later cut is kept when it ends). Default 2000. */
  minIntervalMs?: number;
  /** Keep an 'interval' frame when nothing was kept for this long. Default 30000; 0 = off. */
  periodicMs?: number;
  /** Asks the sender for a key frame: every second until the first frame decodes, then every keyFrameRequestMs and on decode errors. */
  requestKeyFrame?: () => Promise<void>;
  /** Key frame requests once frames flow (seek points for the recording, recovery). Default 30000; 0 = only on errors. */
  keyFrameRequestMs?: number;
  /** Record the track (stream copy: WebM for VP8/VP9, Matroska for H264) into the object store under `key`. */
  record?: { key: string };
  /** OCR each kept frame with tesseract. Default true. */
  ocr?: boolean;
  /** Tesseract language(s). Default 'eng'. */
  ocrLanguage?: string;
  /** Kill an OCR run after this long. Default 15000. */
  ocrTimeoutMs?: number;
  /** Widest image given to OCR (larger frames are scaled down). Default 1920. */
  ocrMaxWidth?: number;
  /** Words below this tesseract confidence (0-100) are dropped. Default 40. */
  ocrMinWordConfidence?: number;
  /** Thumbnail width in pixels (height keeps the aspect ratio, even). Default 320. */
  thumbnailWidth?: number;
  /** JPEG quality as ffmpeg's -q:v (2 best - 31 worst). Default 5. */
  thumbnailQuality?: number;
  /** Object-store key prefix of thumbnails: `${keyPrefix}/${offsetMs}.jpg`. */
  keyPrefix: string;
  logger: Logger;
  ffmpegPath?: string;
  tesseractPath?: string;
  /** Where to look for the free RTP/RTCP port pair (keep it clear of mediasoup's rtcMinPort-rtcMaxPort). Default 20000-59998. */
  portRange?: { min: number; max: number };
  /** How long close() waits for ffmpeg to finish after RTCP BYE before SIGINT, then SIGKILL. Default 5000. */
  stopTimeoutMs?: number;
}

export interface TapAddress {
  ip: '127.0.0.1';
  rtpPort: number;
  rtcpPort: number;
}

export interface FfmpegExit {
  code: number | null;
  signal: string | null;
  /** True when close() asked for it or the sender ended the stream (RTCP BYE, exit code 0). */
  expected: boolean;
  at: string;
  /** Last lines ffmpeg wrote to stderr. */
  stderr: string[];
}

export type VideoKeyframeTapState = 'idle' | 'starting' | 'running' | 'ended' | 'failed' | 'closing' | 'closed';

export interface VideoKeyframeTapStats {
  state: VideoKeyframeTapState;
  pid?: number;
  rtpPort?: number;
  rtcpPort?: number;
  /** Frames ffmpeg selected (first, over the threshold, periodic) before rate limiting. */
  candidates: number;
  keyframes: number;
  byReason: Record<KeyframeReason, number>;
  published: number;
  publishFailures: number;
  thumbnailFailures: number;
  ocr: { runs: number; withText: number; skipped: number; failures: number; lastMs?: number };
  keyFrameRequests: number;
  decodeErrors: number;
  lastOffsetMs?: number;
  /** Track time ffmpeg has processed (progress report), ms. */
  processedMs?: number;
  recordingBytes: number;
  recordingError?: string;
  /** User + system CPU seconds of the ffmpeg process (Linux /proc; last sample). */
  ffmpegCpuSeconds?: number;
  exit?: FfmpegExit;
}

export type VideoKeyframeTapEvents = {
  keyframe: [data: KeyframeData];
  recording: [data: RecordingData];
  exit: [info: FfmpegExit];
};

interface Candidate {
  index: number;
  offsetMs: number;
  score: number;
  arrivedAt: number;
  jpeg: JpegImage;
  gray?: Buffer;
}

interface OcrResult {
  text: string;
  confidence?: number;
}

const CONTAINERS = {
  'video/VP8': { format: 'webm', contentType: 'video/webm', codec: 'vp8' },
  'video/VP9': { format: 'webm', contentType: 'video/webm', codec: 'vp9' },
  'video/H264': { format: 'matroska', contentType: 'video/x-matroska', codec: 'h264' },
} as const;

/** Slack for the periodic rule: ffmpeg's own periodic selection may land a frame early. */
const PERIODIC_SLACK_MS = 100;
const STDERR_LINES = 20;
const MAX_BACKLOG = 16;
const CLK_TCK = 100;

/**
 * Live key frames and recording of one RTP video track. One ffmpeg process receives the RTP
 * stream (SDP on stdin), decodes it and selects candidate frames: the first, scene cuts
 * (`select` scene score over the threshold) and a periodic sample. Candidates come back as
 * JPEG thumbnails (stdout), grey PGM frames for OCR (fd 4) and their pts + score (fd 3); the
 * same process stream-copies the track into WebM/Matroska on fd 5, which streams into the
 * object store. Node applies the rate limit, stores thumbnails, runs tesseract (one at a time,
 * at most one waiting, bounded by a timeout) and publishes `media.keyframe` events in order;
 * close() ends ffmpeg with an RTCP BYE (finalising the file) and publishes `media.recording`.
 *
 * Offsets are track time from the RTP timestamps (ms since the first packet the tap received),
 * not arrival time; the recording uses the same timeline.
 */
export class VideoKeyframeTap extends EventEmitter<VideoKeyframeTapEvents> {
  readonly #o: VideoKeyframeTapOptions;
  readonly #log: Logger;
  readonly #threshold: number;
  readonly #periodicMs: number;
  readonly #ocrEnabled: boolean;
  readonly #thumbWidth: number;
  #state: VideoKeyframeTapState = 'idle';
  #child: ChildProcess | undefined;
  #address: TapAddress | undefined;
  #starting: Promise<TapAddress> | undefined;
  #closing: Promise<RecordingData | undefined> | undefined;
  #childClosed: Promise<void> = Promise.resolve();
  #exited = false;
  #stopRequested = false;
  readonly #stderr: string[] = [];
  #readyAt = 0;
  #wallBase: number | undefined;
  #firstOffsetMs: number | undefined;
  // candidate assembly: the i-th metadata record, JPEG and PGM belong together
  readonly #metas: { index: number; offsetMs: number; score: number }[] = [];
  readonly #jpegs: JpegImage[] = [];
  readonly #grays: Buffer[] = [];
  readonly #selector: KeyframeSelector<Candidate>;
  #pendingTimer: NodeJS.Timeout | undefined;
  #publishTail: Promise<void> = Promise.resolve();
  readonly #ocr: OcrWorker;
  // key frame requests
  #kfTimer: NodeJS.Timeout | undefined;
  #kfInFlight = false;
  #lastKfRequest = 0;
  #lastDecodeWarn = 0;
  // recording
  #recordPut: Promise<{ size: number } | undefined> | undefined;
  #recordingDone = false;
  readonly #stats: VideoKeyframeTapStats = {
    state: 'idle',
    candidates: 0,
    keyframes: 0,
    byReason: { first: 0, scene: 0, interval: 0 },
    published: 0,
    publishFailures: 0,
    thumbnailFailures: 0,
    ocr: { runs: 0, withText: 0, skipped: 0, failures: 0 },
    keyFrameRequests: 0,
    decodeErrors: 0,
    recordingBytes: 0,
  };

  constructor(opts: VideoKeyframeTapOptions) {
    super();
    if (!isSupportedVideoMimeType(opts.codec.mimeType))
      throw new Error(`unsupported video codec ${opts.codec.mimeType}`);
    if (!opts.keyPrefix || opts.keyPrefix.endsWith('/'))
      throw new Error('keyPrefix must be non-empty, without a trailing /');
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(opts.producerId)) throw new Error(`invalid producerId ${opts.producerId}`);
    // validates room and participant as subject tokens up front
    subjects.keyframe(opts.room, opts.participant.id);
    this.#o = opts;
    this.#threshold = clamp(opts.sceneThreshold ?? 0.3, 0.001, 1);
    this.#periodicMs = Math.max(0, opts.periodicMs ?? 30_000);
    this.#selector = new KeyframeSelector({
      threshold: this.#threshold,
      minIntervalMs: Math.max(0, opts.minIntervalMs ?? 2000),
      periodicMs: this.#periodicMs,
    });
    this.#ocrEnabled = opts.ocr ?? true;
    this.#thumbWidth = Math.max(16, Math.round(opts.thumbnailWidth ?? 320));
    this.#thumbWidth -= this.#thumbWidth % 2;
    this.#log = opts.logger.child({ room: opts.room, participant: opts.participant.id, producer: opts.producerId });
    this.#ocr = new OcrWorker(
      (image) => this.#runOcr(image),
      () => this.#stats.ocr.skipped++,
    );
  }

  get state(): VideoKeyframeTapState {
    return this.#state;
  }

  get address(): TapAddress | undefined {
    return this.#address;
  }

  stats(): VideoKeyframeTapStats {
    this.#sampleCpu();
    return structuredClone({ ...this.#stats, state: this.#state });
  }

  /** Spawns ffmpeg and resolves once it listens on the returned ports. */
  start(): Promise<TapAddress> {
    if (this.#state !== 'idle') {
      if (this.#starting) return this.#starting;
      return Promise.reject(new Error(`tap is ${this.#state}`));
    }
    this.#state = 'starting';
    this.#starting = this.#start();
    return this.#starting;
  }

  async #start(): Promise<TapAddress> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const ports = await findFreeUdpPortPair({ ...(this.#o.portRange ?? {}) });
      try {
        await this.#spawn(ports.rtpPort, ports.rtcpPort);
        this.#address = { ip: '127.0.0.1', ...ports };
        this.#stats.rtpPort = ports.rtpPort;
        this.#stats.rtcpPort = ports.rtcpPort;
        break;
      } catch (err) {
        lastError = err;
        this.#log.warn({ err, attempt }, 'video tap: ffmpeg did not start');
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') break;
      }
    }
    if (!this.#address) {
      this.#state = 'failed';
      throw lastError instanceof Error ? lastError : new Error(String(lastError));
    }
    this.#readyAt = Date.now();
    if (this.#state === 'starting') this.#state = 'running';
    this.#log.info(
      { rtpPort: this.#address.rtpPort, codec: this.#o.codec.mimeType, pid: this.#child?.pid },
      'video tap listening',
    );
    this.#requestKeyFrame();
    this.#kfTimer = setInterval(() => this.#keyFrameTick(), 1000);
    this.#kfTimer.unref();
    return this.#address;
  }

  #ffmpegArgs(): string[] {
    const t = this.#threshold;
    const terms = ['isnan(prev_selected_t)', `gt(scene,${t})`];
    if (this.#periodicMs > 0) terms.push(`gte(t-prev_selected_t,${this.#periodicMs / 1000})`);
    const ocrWidth = Math.max(64, Math.round(this.#o.ocrMaxWidth ?? 1920));
    const head = `[0:v]settb=1/1000,select='${terms.join('+')}',metadata=mode=print:direct=1:file='pipe\\:3'`;
    const graph = this.#ocrEnabled
      ? `${head},split=2[c1][c2];[c1]scale=${this.#thumbWidth}:-2[thumb];[c2]scale='min(iw,${ocrWidth})':-2,format=gray[ocr]`
      : `${head},scale=${this.#thumbWidth}:-2[thumb]`;
    const quality = String(clamp(Math.round(this.#o.thumbnailQuality ?? 5), 2, 31));
    const args = [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-nostats',
      '-protocol_whitelist',
      'file,udp,rtp,pipe',
      '-f',
      'sdp',
      '-sdp_flags',
      'rtcp_to_source',
      '-localaddr',
      '127.0.0.1',
      '-listen_timeout',
      '-1',
      '-buffer_size',
      String(4 << 20),
      // wait long for the first key frame, but do not wait for a frame rate estimate
      '-analyzeduration',
      '15000000',
      '-fpsprobesize',
      '0',
      '-i',
      'pipe:0',
      '-filter_complex',
      graph,
      '-map',
      '[thumb]',
      '-fps_mode',
      'passthrough',
      '-c:v',
      'mjpeg',
      '-q:v',
      quality,
      // no frame threading: it would hold each thumbnail back until the next one
      '-threads',
      '1',
      '-flush_packets',
      '1',
      '-f',
      'image2pipe',
      'pipe:1',
    ];
    if (this.#ocrEnabled) {
      args.push('-map', '[ocr]', '-fps_mode', 'passthrough', '-c:v', 'pgm', '-flush_packets', '1');
      args.push('-f', 'image2pipe', 'pipe:4');
    }
    if (this.#o.record) {
      const container = CONTAINERS[this.#o.codec.mimeType];
      args.push('-map', '0:v', '-c:v', 'copy', '-f', container.format, 'pipe:5');
    }
    args.push('-progress', 'pipe:6');
    return args;
  }

  async #spawn(rtpPort: number, rtcpPort: number): Promise<void> {
    const sdp = buildVideoSdp({ codec: this.#o.codec, rtpPort, rtcpPort, sessionName: this.#o.producerId });
    const args = this.#ffmpegArgs();
    const child = spawn(this.#o.ffmpegPath ?? 'ffmpeg', args, {
      stdio: [
        'pipe',
        'pipe',
        'pipe',
        'pipe',
        this.#ocrEnabled ? 'pipe' : 'ignore',
        this.#o.record ? 'pipe' : 'ignore',
        'pipe',
      ],
    });
    let exitedEarly: ((err: Error) => void) | undefined;
    const early = new Promise<never>((_, reject) => {
      exitedEarly = reject;
    });
    early.catch(() => undefined);
    child.once('error', (err) => exitedEarly?.(err));
    child.once('exit', (code, signal) => exitedEarly?.(new Error(`ffmpeg exited at start (${code ?? signal})`)));
    lines(child.stderr as Readable, (line) => this.#onStderr(line));
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(sdp);
    try {
      await Promise.race([early, waitForUdpPorts([rtpPort, rtcpPort], 5000)]);
    } catch (err) {
      child.kill('SIGKILL');
      const tail = this.#stderr.splice(0).join(' | ');
      throw tail
        ? Object.assign(new Error(`${(err as Error).message}: ${tail}`), { code: (err as NodeJS.ErrnoException).code })
        : err;
    } finally {
      exitedEarly = undefined;
    }
    this.#child = child;
    this.#stats.pid = child.pid;
    this.#wire(child);
  }

  #wire(child: ChildProcess): void {
    const stdio = child.stdio as (Readable | Writable | null)[];
    this.#childClosed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.on('exit', (code, signal) => this.#onExit(code, signal));
    lines(
      stdio[3] as Readable,
      parseMetadataLine(this.#metas, () => this.#assemble()),
    );
    lines(stdio[6] as Readable, (line) => this.#onProgress(line));
    const jpegs = new JpegSplitter();
    (child.stdout as Readable).on('data', (chunk: Buffer) => {
      for (const img of jpegs.push(chunk)) this.#jpegs.push(img);
      this.#assemble();
    });
    if (this.#ocrEnabled) {
      const pgms = new PgmSplitter();
      (stdio[4] as Readable).on('data', (chunk: Buffer) => {
        for (const img of pgms.push(chunk)) this.#grays.push(img);
        this.#assemble();
      });
    }
    if (this.#o.record) this.#wireRecording(stdio[5] as Readable);
    for (const s of stdio) s?.on('error', (err) => this.#log.debug({ err }, 'ffmpeg pipe error'));
  }

  #wireRecording(src: Readable): void {
    const record = this.#o.record!;
    const container = CONTAINERS[this.#o.codec.mimeType];
    // Our own buffer between ffmpeg and the store: a failed upload must not stall ffmpeg.
    const body = new PassThrough({ highWaterMark: 4 << 20 });
    body.on('error', () => undefined);
    let failed = false;
    this.#recordPut = this.#o.store
      .put(record.key, body, {
        contentType: container.contentType,
        metadata: { producer: this.#o.producerId, room: this.#o.room },
      })
      .then(
        (r) => ({ size: r.size }),
        (err: Error) => {
          failed = true;
          this.#stats.recordingError = err.message;
          this.#log.error({ err, key: record.key }, 'video tap: recording upload failed; dropping the rest');
          src.resume();
          return undefined;
        },
      );
    src.on('data', (chunk: Buffer) => {
      this.#stats.recordingBytes += chunk.length;
      if (failed) return;
      if (!body.write(chunk)) {
        src.pause();
        body.once('drain', () => src.resume());
      }
    });
    src.once('end', () => body.end());
    src.once('close', () => {
      if (!body.writableEnded) body.end();
    });
  }

  #onStderr(line: string): void {
    if (!line.trim()) return;
    this.#stderr.push(line);
    if (this.#stderr.length > STDERR_LINES) this.#stderr.shift();
    if (/^\[(vp8|vp9|h264|libvpx|libdav1d)\s*@/i.test(line)) {
      this.#stats.decodeErrors++;
      const now = Date.now();
      if (now - this.#lastDecodeWarn > 10_000) {
        this.#lastDecodeWarn = now;
        this.#log.warn({ line }, 'video tap: decode error; requesting a key frame');
      }
      if (now - this.#lastKfRequest > 2000) this.#requestKeyFrame();
    } else {
      this.#log.debug({ line }, 'ffmpeg');
    }
  }

  #onProgress(line: string): void {
    const eq = line.indexOf('=');
    if (eq < 0) return;
    const key = line.slice(0, eq);
    if (key === 'out_time_us') {
      const us = Number(line.slice(eq + 1));
      if (Number.isFinite(us) && us >= 0) this.#stats.processedMs = Math.round(us / 1000);
    }
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#exited = true;
    this.#sampleCpu();
    if (this.#kfTimer) clearInterval(this.#kfTimer);
    const expected = this.#stopRequested || code === 0;
    const info: FfmpegExit = { code, signal, expected, at: new Date().toISOString(), stderr: [...this.#stderr] };
    this.#stats.exit = info;
    if (!this.#stopRequested) {
      if (code === 0) {
        this.#state = 'ended';
        this.#log.info('video tap: stream ended (RTCP BYE or end of input)');
      } else {
        this.#state = 'failed';
        this.#log.error({ code, signal, stderr: info.stderr }, 'video tap: ffmpeg exited unexpectedly');
      }
    }
    try {
      this.emit('exit', info);
    } catch (err) {
      this.#log.error({ err }, 'video tap: exit listener threw');
    }
  }

  #sampleCpu(): void {
    const pid = this.#child?.pid;
    if (!pid || this.#exited) return;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      if (Number.isFinite(ticks)) this.#stats.ffmpegCpuSeconds = ticks / CLK_TCK;
    } catch {
      // not Linux, or the process is gone
    }
  }

  // --- key frame requests ---

  #keyFrameTick(): void {
    if (this.#state !== 'running') return;
    const every = this.#firstOffsetMs === undefined ? 1000 : Math.max(0, this.#o.keyFrameRequestMs ?? 30_000);
    if (every > 0 && Date.now() - this.#lastKfRequest >= every - 50) this.#requestKeyFrame();
  }

  #requestKeyFrame(): void {
    const fn = this.#o.requestKeyFrame;
    if (!fn || this.#kfInFlight) return;
    this.#kfInFlight = true;
    this.#lastKfRequest = Date.now();
    this.#stats.keyFrameRequests++;
    Promise.resolve()
      .then(fn)
      .catch((err) => this.#log.debug({ err }, 'video tap: key frame request failed'))
      .finally(() => {
        this.#kfInFlight = false;
      });
  }

  // --- candidates and rate limiting ---

  #assemble(): void {
    // The three outputs carry the same frames in the same order; a backlog means they fell out of step.
    for (const queue of [this.#metas, this.#jpegs, this.#grays] as unknown[][]) {
      if (queue.length > MAX_BACKLOG) {
        this.#log.error({ backlog: queue.length }, 'video tap: ffmpeg outputs out of step; dropping frames');
        queue.splice(0, queue.length - MAX_BACKLOG);
      }
    }
    while (this.#metas.length > 0 && this.#jpegs.length > 0 && (!this.#ocrEnabled || this.#grays.length > 0)) {
      const meta = this.#metas.shift()!;
      const c: Candidate = { ...meta, arrivedAt: Date.now(), jpeg: this.#jpegs.shift()! };
      if (this.#ocrEnabled) c.gray = this.#grays.shift();
      try {
        this.#decide(c);
      } catch (err) {
        this.#log.error({ err }, 'video tap: candidate handling failed');
      }
    }
  }

  #decide(c: Candidate): void {
    this.#stats.candidates++;
    this.#stats.lastOffsetMs = c.offsetMs;
    const est = Math.max(this.#readyAt, c.arrivedAt - c.offsetMs);
    this.#wallBase = this.#wallBase === undefined ? est : Math.min(this.#wallBase, est);
    this.#firstOffsetMs ??= c.offsetMs;
    for (const k of this.#selector.offer(c)) this.#keep(k);
    if (this.#pendingTimer) clearTimeout(this.#pendingTimer);
    this.#pendingTimer = undefined;
    const due = this.#selector.pendingDueMs;
    if (due !== undefined) {
      // a rate-limited cut: keep it when the interval ends, even if no later frame comes
      this.#pendingTimer = setTimeout(() => this.#releasePending(), due + 50);
      this.#pendingTimer.unref();
    }
  }

  #releasePending(): void {
    if (this.#pendingTimer) clearTimeout(this.#pendingTimer);
    this.#pendingTimer = undefined;
    for (const k of this.#selector.release()) this.#keep(k);
  }

  #keep({ candidate: c, reason, score }: KeptFrame<Candidate>): void {
    this.#stats.keyframes++;
    this.#stats.byReason[reason]++;
    const job = this.#prepare(c, reason, score);
    job.catch(() => undefined);
    this.#publishTail = this.#publishTail.then(async () => {
      const data = await job.catch((err) => {
        this.#log.error({ err, offsetMs: c.offsetMs }, 'video tap: key frame failed');
        return undefined;
      });
      if (data) await this.#publishKeyframe(data);
    });
  }

  async #prepare(c: Candidate, reason: KeyframeReason, score?: number): Promise<KeyframeData | undefined> {
    const offsetMs = Math.max(0, Math.round(c.offsetMs));
    const key = `${this.#o.keyPrefix}/${offsetMs}.jpg`;
    const ocr = this.#ocrEnabled && c.gray ? this.#ocr.submit(c.gray) : Promise.resolve(undefined);
    c.gray = undefined;
    let stored = true;
    try {
      await this.#o.store.put(key, c.jpeg.data, { contentType: 'image/jpeg' });
    } catch (err) {
      stored = false;
      this.#stats.thumbnailFailures++;
      this.#log.error({ err, key }, 'video tap: could not store the thumbnail');
    }
    const text = await ocr;
    if (!stored) return undefined;
    const data: KeyframeData = {
      room: this.#o.room,
      participant: this.#o.participant,
      producer: this.#o.producerId,
      reason,
      offsetMs,
      at: new Date((this.#wallBase ?? c.arrivedAt - c.offsetMs) + c.offsetMs).toISOString(),
      thumbnail: {
        key,
        contentType: 'image/jpeg',
        width: c.jpeg.width,
        height: c.jpeg.height,
        bytes: c.jpeg.data.length,
      },
    };
    if (score !== undefined) data.score = clamp(score, 0, 1);
    if (text) {
      data.text = text.text.slice(0, 10_000);
      data.ocr = { engine: 'tesseract', ...(text.confidence !== undefined ? { confidence: text.confidence } : {}) };
    }
    return data;
  }

  async #publishKeyframe(data: KeyframeData): Promise<void> {
    const ev = makeEvent('media.keyframe', 1, data, this.#o.ctx, `${this.#o.producerId}:kf:${data.offsetMs}`);
    try {
      await this.#o.bus.append(subjects.keyframe(this.#o.room, this.#o.participant.id), json(ev), {
        msgId: ev.id,
        headers: { [headerNames.correlationId]: this.#o.ctx.correlationId },
      });
      this.#stats.published++;
    } catch (err) {
      this.#stats.publishFailures++;
      this.#log.error({ err, id: ev.id }, 'video tap: could not publish the key frame');
    }
    try {
      this.emit('keyframe', data);
    } catch (err) {
      this.#log.error({ err }, 'video tap: keyframe listener threw');
    }
  }

  async #runOcr(image: Buffer): Promise<OcrResult | undefined> {
    const started = Date.now();
    this.#stats.ocr.runs++;
    try {
      const tsv = await runTesseract(image, {
        path: this.#o.tesseractPath ?? 'tesseract',
        language: this.#o.ocrLanguage ?? 'eng',
        timeoutMs: this.#o.ocrTimeoutMs ?? 15_000,
      });
      const result = parseTesseractTsv(tsv, this.#o.ocrMinWordConfidence ?? 40);
      if (result) this.#stats.ocr.withText++;
      return result;
    } catch (err) {
      this.#stats.ocr.failures++;
      this.#log.warn({ err }, 'video tap: OCR failed');
      return undefined;
    } finally {
      this.#stats.ocr.lastMs = Date.now() - started;
    }
  }

  // --- closing ---

  /**
   * Ends ffmpeg (RTCP BYE, so the file is finalised; SIGINT then SIGKILL if it hangs), publishes
   * the last key frames, completes the upload and publishes `media.recording`. Never throws.
   */
  close(): Promise<RecordingData | undefined> {
    this.#closing ??= this.#close().catch((err) => {
      this.#log.error({ err }, 'video tap: close failed');
      this.#state = 'closed';
      return undefined;
    });
    return this.#closing;
  }

  async #close(): Promise<RecordingData | undefined> {
    if (this.#starting) await this.#starting.catch(() => undefined);
    if (this.#kfTimer) clearInterval(this.#kfTimer);
    if (!this.#child) {
      this.#state = 'closed';
      return undefined;
    }
    this.#sampleCpu();
    this.#stopRequested = true;
    if (!this.#exited) {
      this.#state = 'closing';
      await this.#stopFfmpeg(this.#child);
    }
    await this.#childClosed;
    this.#assemble();
    this.#releasePending();
    await this.#publishTail;
    const recording = await this.#finishRecording();
    this.#state = 'closed';
    return recording;
  }

  async #stopFfmpeg(child: ChildProcess): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.#exited) resolve();
      else child.once('exit', () => resolve());
    });
    const waitExit = (ms: number) =>
      Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    const timeout = this.#o.stopTimeoutMs ?? 5000;
    if (this.#address) await sendRtcpBye(this.#address).catch(() => undefined);
    if (await waitExit(timeout)) return;
    this.#log.warn('video tap: ffmpeg ignored RTCP BYE; sending SIGINT');
    child.kill('SIGINT');
    if (await waitExit(3000)) return;
    this.#log.warn('video tap: ffmpeg ignored SIGINT; killing it');
    child.kill('SIGKILL');
    await waitExit(3000);
  }

  async #finishRecording(): Promise<RecordingData | undefined> {
    const record = this.#o.record;
    if (!record || !this.#recordPut || this.#recordingDone) return undefined;
    this.#recordingDone = true;
    const result = await this.#recordPut;
    if (!result) return undefined;
    const container = CONTAINERS[this.#o.codec.mimeType];
    if (result.size === 0 || this.#firstOffsetMs === undefined) {
      this.#log.warn({ key: record.key, bytes: result.size }, 'video tap: nothing recorded');
      await this.#o.store.delete?.(record.key).catch(() => undefined);
      return undefined;
    }
    const first = this.#firstOffsetMs;
    const durationMs = Math.max(0, (this.#stats.processedMs ?? this.#stats.lastOffsetMs ?? first) - first);
    const startedAt = (this.#wallBase ?? this.#readyAt) + first;
    const data: RecordingData = {
      room: this.#o.room,
      participant: this.#o.participant,
      producer: this.#o.producerId,
      kind: 'video',
      key: record.key,
      contentType: container.contentType,
      codec: container.codec,
      startedAt: new Date(startedAt).toISOString(),
      endedAt: new Date(startedAt + durationMs).toISOString(),
      durationMs,
      bytes: result.size,
    };
    const ev = makeEvent('media.recording', 1, data, this.#o.ctx, `${this.#o.producerId}:recording`);
    try {
      await this.#o.bus.append(subjects.recording(this.#o.room, this.#o.participant.id), json(ev), {
        msgId: ev.id,
        headers: { [headerNames.correlationId]: this.#o.ctx.correlationId },
      });
    } catch (err) {
      this.#log.error({ err, id: ev.id }, 'video tap: could not publish the recording');
    }
    try {
      this.emit('recording', data);
    } catch (err) {
      this.#log.error({ err }, 'video tap: recording listener threw');
    }
    return data;
  }
}

// --- helpers (exported for tests) ---

export interface KeptFrame<C> {
  candidate: C;
  reason: KeyframeReason;
  score?: number;
}

/**
 * Which candidate frames to keep (track time, ms): the first; a cut (score over the threshold)
 * unless one was kept less than minIntervalMs before, in which case the latest such cut waits
 * and is kept when the interval ends; otherwise a frame when nothing was kept for periodicMs.
 */
export class KeyframeSelector<C extends { offsetMs: number; score: number }> {
  #lastKeptMs: number | undefined;
  #nextAllowedMs = 0;
  #pending: C | undefined;

  constructor(private readonly opts: { threshold: number; minIntervalMs: number; periodicMs: number }) {}

  /** The frames to keep now, in order (a waiting cut the interval has passed for, then this one). */
  offer(c: C): KeptFrame<C>[] {
    const out: KeptFrame<C>[] = [];
    if (this.#lastKeptMs === undefined) {
      this.#keep(c);
      return [{ candidate: c, reason: 'first' }];
    }
    if (this.#pending && c.offsetMs >= this.#nextAllowedMs) out.push(...this.release());
    if (c.score > this.opts.threshold) {
      if (c.offsetMs >= this.#nextAllowedMs) {
        this.#keep(c);
        out.push({ candidate: c, reason: 'scene', score: c.score });
      } else {
        this.#pending = c;
      }
    } else if (
      this.opts.periodicMs > 0 &&
      c.offsetMs - this.#lastKeptMs >= this.opts.periodicMs - PERIODIC_SLACK_MS &&
      c.offsetMs >= this.#nextAllowedMs
    ) {
      this.#keep(c);
      out.push({ candidate: c, reason: 'interval' });
    }
    return out;
  }

  /** Track time until the waiting cut may be kept, or undefined when none waits. */
  get pendingDueMs(): number | undefined {
    return this.#pending ? Math.max(0, this.#nextAllowedMs - this.#pending.offsetMs) : undefined;
  }

  /** Keeps the waiting cut now (its interval is over, or the track ended). */
  release(): KeptFrame<C>[] {
    const p = this.#pending;
    if (!p) return [];
    this.#pending = undefined;
    const decidedAt = this.#nextAllowedMs;
    this.#keep(p);
    this.#nextAllowedMs = Math.max(this.#nextAllowedMs, decidedAt + this.opts.minIntervalMs);
    return [{ candidate: p, reason: 'scene', score: p.score }];
  }

  #keep(c: C): void {
    this.#lastKeptMs = c.offsetMs;
    this.#nextAllowedMs = c.offsetMs + this.opts.minIntervalMs;
  }
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** Calls `onLine` for each line of a text stream. */
function lines(stream: Readable, onLine: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    rest += chunk;
    let nl = rest.indexOf('\n');
    while (nl >= 0) {
      onLine(rest.slice(0, nl).replace(/\r$/, ''));
      rest = rest.slice(nl + 1);
      nl = rest.indexOf('\n');
    }
    if (rest.length > 65536) rest = rest.slice(-65536);
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
    rest = '';
  });
}

/** Parser for the `metadata=mode=print` records: `frame:N pts:P pts_time:T` then `lavfi.scene_score=S`. */
function parseMetadataLine(
  out: { index: number; offsetMs: number; score: number }[],
  onRecord: () => void,
): (line: string) => void {
  let current: { index: number; offsetMs: number } | undefined;
  return (line) => {
    const head = /^frame:(\d+)\s+pts:(\S+)\s+pts_time:(\S+)/.exec(line);
    if (head) {
      const pts = Number(head[2]);
      const ptsTime = Number(head[3]);
      const offsetMs = Number.isFinite(pts) ? pts : ptsTime * 1000;
      current = Number.isFinite(offsetMs) ? { index: Number(head[1]), offsetMs } : undefined;
      return;
    }
    const score = /^lavfi\.scene_score=(\S+)/.exec(line);
    if (score && current) {
      const s = Number(score[1]);
      out.push({ ...current, score: Number.isFinite(s) ? s : 0 });
      current = undefined;
      onRecord();
    }
  };
}

/** Waits until UDP sockets are bound on `ports` (Linux /proc/net/udp; elsewhere a short pause). */
async function waitForUdpPorts(ports: number[], timeoutMs: number): Promise<void> {
  const suffixes = ports.map((p) => `:${p.toString(16).toUpperCase().padStart(4, '0')}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let table: string;
    try {
      table = readFileSync('/proc/net/udp', 'latin1');
    } catch {
      await sleep(300);
      return;
    }
    const bound = new Set(table.split('\n').map((l) => l.trim().split(/\s+/)[1]?.slice(-5)));
    if (suffixes.every((s) => bound.has(s))) return;
    if (Date.now() > deadline) throw new Error(`ffmpeg did not bind UDP ports ${ports.join(',')} in ${timeoutMs} ms`);
    await sleep(20);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A compound RTCP RR + BYE: ffmpeg's RTP demuxer ends the input (EOF) on BYE, finalising outputs. */
export function rtcpBye(ssrc = 0): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 0x80; // V=2, RC=0
  b[1] = 201; // RR
  b.writeUInt16BE(1, 2);
  b.writeUInt32BE(ssrc >>> 0, 4);
  b[8] = 0x81; // V=2, SC=1
  b[9] = 203; // BYE
  b.writeUInt16BE(1, 10);
  b.writeUInt32BE(ssrc >>> 0, 12);
  return b;
}

async function sendRtcpBye(address: TapAddress): Promise<void> {
  const socket = createSocket('udp4');
  try {
    const packet = rtcpBye();
    for (const port of [address.rtcpPort, address.rtpPort, address.rtcpPort]) {
      await new Promise<void>((resolve, reject) =>
        socket.send(packet, port, address.ip, (err) => (err ? reject(err) : resolve())),
      );
    }
  } finally {
    socket.close();
  }
}

export interface JpegImage {
  data: Buffer;
  width: number;
  height: number;
}

/** Splits a byte stream of concatenated JPEG images (ffmpeg image2pipe/mjpeg) by walking the markers. */
export class JpegSplitter {
  #buf: Buffer = Buffer.alloc(0);
  #pos = 0;
  #inScan = false;
  #width = 0;
  #height = 0;

  push(chunk: Buffer): JpegImage[] {
    this.#buf = this.#buf.length > 0 ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: JpegImage[] = [];
    for (;;) {
      const img = this.#next();
      if (!img) return out;
      out.push(img);
    }
  }

  #reset(from: number): void {
    this.#buf = this.#buf.subarray(from);
    this.#pos = 0;
    this.#inScan = false;
    this.#width = 0;
    this.#height = 0;
  }

  #next(): JpegImage | undefined {
    if (this.#pos === 0) {
      const soi = findSoi(this.#buf);
      if (soi < 0) {
        this.#reset(Math.max(0, this.#buf.length - 1));
        return undefined;
      }
      this.#reset(soi);
      this.#pos = 2;
    }
    const b = this.#buf;
    for (;;) {
      if (this.#inScan) {
        let i = this.#pos;
        for (; i + 1 < b.length; i++) {
          if (b[i] !== 0xff) continue;
          const m = b[i + 1]!;
          if (m === 0x00 || (m >= 0xd0 && m <= 0xd7) || m === 0xff) continue;
          break;
        }
        if (i + 1 >= b.length) {
          this.#pos = Math.max(this.#pos, b.length - 1);
          return undefined;
        }
        this.#pos = i;
        this.#inScan = false;
      }
      const pos = this.#pos;
      if (pos + 2 > b.length) return undefined;
      if (b[pos] !== 0xff) {
        // lost sync: look for the next image
        this.#reset(pos);
        return this.#next();
      }
      const m = b[pos + 1]!;
      if (m === 0xff) {
        this.#pos++;
        continue;
      }
      if (m === 0xd9) {
        const end = pos + 2;
        const img = { data: Buffer.from(b.subarray(0, end)), width: this.#width, height: this.#height };
        this.#reset(end);
        return img;
      }
      if ((m >= 0xd0 && m <= 0xd7) || m === 0x01 || m === 0xd8) {
        this.#pos += 2;
        continue;
      }
      if (pos + 4 > b.length) return undefined;
      const len = b.readUInt16BE(pos + 2);
      if (pos + 2 + len > b.length) return undefined;
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc && len >= 7) {
        this.#height = b.readUInt16BE(pos + 5);
        this.#width = b.readUInt16BE(pos + 7);
      }
      this.#pos = pos + 2 + len;
      if (m === 0xda) this.#inScan = true;
    }
  }
}

function findSoi(b: Buffer): number {
  let i = b.indexOf(0xff);
  while (i >= 0 && i + 1 < b.length) {
    if (b[i + 1] === 0xd8) return i;
    i = b.indexOf(0xff, i + 1);
  }
  return -1;
}

/** Splits concatenated binary PGM (P5) images. */
export class PgmSplitter {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.#buf = this.#buf.length > 0 ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      const head = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(this.#buf.subarray(0, 64).toString('latin1'));
      if (!head) {
        if (this.#buf.length >= 64) {
          // lost sync: skip to the next header
          const next = this.#buf.indexOf('P5', 1, 'latin1');
          this.#buf = next < 0 ? Buffer.alloc(0) : this.#buf.subarray(next);
          continue;
        }
        return out;
      }
      const bytesPerSample = Number(head[3]) > 255 ? 2 : 1;
      const total = head[0].length + Number(head[1]) * Number(head[2]) * bytesPerSample;
      if (this.#buf.length < total) return out;
      out.push(Buffer.from(this.#buf.subarray(0, total)));
      this.#buf = this.#buf.subarray(total);
    }
  }
}

/** One OCR at a time; at most one waiting (a newer frame replaces it, the older one gets no text). */
class OcrWorker {
  #busy = false;
  #waiting: { image: Buffer; resolve: (r: OcrResult | undefined) => void } | undefined;

  constructor(
    private readonly run: (image: Buffer) => Promise<OcrResult | undefined>,
    private readonly onSkip: () => void,
  ) {}

  submit(image: Buffer): Promise<OcrResult | undefined> {
    return new Promise((resolve) => {
      if (!this.#busy) {
        this.#start(image, resolve);
        return;
      }
      if (this.#waiting) {
        this.#waiting.resolve(undefined);
        this.onSkip();
      }
      this.#waiting = { image, resolve };
    });
  }

  #start(image: Buffer, resolve: (r: OcrResult | undefined) => void): void {
    this.#busy = true;
    this.run(image)
      .catch(() => undefined)
      .then((r) => {
        resolve(r);
        this.#busy = false;
        const next = this.#waiting;
        this.#waiting = undefined;
        if (next) this.#start(next.image, next.resolve);
      });
  }
}

/** Runs `tesseract stdin stdout tsv` on an image (PGM/PNG/JPEG bytes) and returns the TSV. */
export function runTesseract(
  image: Buffer,
  opts: { path?: string; language?: string; timeoutMs?: number; psm?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      opts.path ?? 'tesseract',
      ['stdin', 'stdout', '-l', opts.language ?? 'eng', '--psm', String(opts.psm ?? 3), 'tsv'],
      { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, OMP_THREAD_LIMIT: '1' } },
    );
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tesseract timed out after ${opts.timeoutMs ?? 15_000} ms`));
    }, opts.timeoutMs ?? 15_000);
    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.length;
      if (outBytes <= 4 << 20) out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString('utf8')).slice(-2000);
    });
    child.stdin.on('error', () => undefined);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`tesseract exited with ${code}: ${err.trim()}`));
    });
    child.stdin.end(image);
  });
}

/**
 * Text from tesseract TSV: words at or above `minConfidence` with a letter or digit, one line
 * per text line; undefined when fewer than 3 letters/digits remain (noise).
 */
export function parseTesseractTsv(tsv: string, minConfidence = 40): OcrResult | undefined {
  const byLine = new Map<string, string[]>();
  let confSum = 0;
  let words = 0;
  for (const row of tsv.split('\n')) {
    const cols = row.split('\t');
    if (cols.length < 12 || cols[0] !== '5') continue;
    const conf = Number(cols[10]);
    const word = (cols[11] ?? '').trim();
    if (!word || !Number.isFinite(conf) || conf < minConfidence || !/[\p{L}\p{N}]/u.test(word)) continue;
    const line = `${cols[2]}.${cols[3]}.${cols[4]}`;
    const list = byLine.get(line) ?? [];
    byLine.set(line, list);
    list.push(word);
    confSum += conf;
    words++;
  }
  const text = [...byLine.values()].map((w) => w.join(' ')).join('\n');
  if ((text.match(/[\p{L}\p{N}]/gu)?.length ?? 0) < 3) return undefined;
  return { text, confidence: Math.round((confSum / words) * 10) / 1000 };
}
