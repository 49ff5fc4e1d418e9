import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { RecordingData } from '@mi/contracts';
import { FrameOcr } from '@mi/ocr';
import type { Logger } from '@mi/telemetry';
import { type Candidate, CandidateAssembler } from './candidate-assembler.ts';
import type { PublishTarget } from './events.ts';
import { buildFfmpegArgs } from './ffmpeg-args.ts';
import { isDecodeError, readFfmpegOutputs } from './ffmpeg-output.ts';
import { spawnRtpFfmpeg, stopRtpFfmpeg } from './ffmpeg-process.ts';
import { findFreeUdpPortPair } from './free-port.ts';
import { KeyframePublisher } from './keyframe-publisher.ts';
import { KeyFrameRequester } from './keyframe-requester.ts';
import { type KeptFrame, KeyframeSelector } from './keyframe-selector.ts';
import { processCpuSeconds } from './process-cpu.ts';
import { RecordingFile } from './recording-file.ts';
import { publishRecording } from './recording-publisher.ts';
import { buildVideoSdp } from './sdp.ts';
import { assertValidTapOptions, resolveTapSettings, type TapSettings } from './settings.ts';
import type {
  FfmpegExit,
  TapAddress,
  VideoKeyframeTapEvents,
  VideoKeyframeTapOptions,
  VideoKeyframeTapState,
  VideoKeyframeTapStats,
} from './types.ts';

/** stderr lines kept for the exit report. */
const STDERR_LINES = 20;

/**
 * Live key frames and recording of one RTP video track. One ffmpeg process receives the RTP
 * stream (SDP on stdin), decodes it and selects candidate frames: the first, scene cuts and a
 * periodic sample. Candidates come back as JPEG thumbnails, grey frames for OCR and their
 * pts + score on separate pipes; the same process stream-copies the track into a temporary
 * WebM/Matroska file. Node rate-limits the candidates (KeyframeSelector), stores thumbnails,
 * runs OCR and publishes `media.keyframe` events in order (KeyframePublisher); close() ends
 * ffmpeg with an RTCP BYE (finalising the file), uploads it and publishes `media.recording`.
 *
 * Offsets are track time from the RTP timestamps (ms since the first packet the tap received),
 * not arrival time; the recording uses the same timeline.
 */
export class VideoKeyframeTap extends EventEmitter<VideoKeyframeTapEvents> {
  readonly #o: VideoKeyframeTapOptions;
  readonly #settings: TapSettings;
  readonly #log: Logger;
  readonly #target: PublishTarget;
  readonly #selector: KeyframeSelector<Candidate>;
  readonly #assembler: CandidateAssembler;
  readonly #publisher: KeyframePublisher;
  readonly #ocr: FrameOcr;
  readonly #keyFrames: KeyFrameRequester;
  readonly #recording: RecordingFile | undefined;
  #recordingDone = false;
  #state: VideoKeyframeTapState = 'idle';
  #child: ChildProcess | undefined;
  #address: TapAddress | undefined;
  #starting: Promise<TapAddress> | undefined;
  #closing: Promise<RecordingData | undefined> | undefined;
  #childClosed: Promise<void> = Promise.resolve();
  #exited = false;
  #stopRequested = false;
  readonly #stderr: string[] = [];
  #lastDecodeWarn = 0;
  #readyAt = 0;
  /** Wall-clock ms of track time 0: the earliest arrival minus offset seen (least delayed frame). */
  #wallBase: number | undefined;
  #firstOffsetMs: number | undefined;
  #pendingTimer: NodeJS.Timeout | undefined;
  readonly #stats: Omit<VideoKeyframeTapStats, 'state' | 'ocr' | 'keyFrameRequests'> = {
    candidates: 0,
    keyframes: 0,
    byReason: { first: 0, scene: 0, interval: 0 },
    published: 0,
    publishFailures: 0,
    thumbnailFailures: 0,
    decodeErrors: 0,
    recordingBytes: 0,
  };

  constructor(opts: VideoKeyframeTapOptions) {
    super();
    assertValidTapOptions(opts);
    this.#o = opts;
    const s = resolveTapSettings(opts);
    this.#settings = s;
    this.#log = opts.logger.child({ room: opts.room, participant: opts.participant.id, producer: opts.producerId });
    const { bus, store, ctx, room, participant, producerId } = opts;
    this.#target = { bus, store, ctx, room, participant, producerId, log: this.#log };
    this.#selector = new KeyframeSelector({
      threshold: s.sceneThreshold,
      minIntervalMs: s.minIntervalMs,
      periodicMs: s.periodicMs,
    });
    this.#assembler = new CandidateAssembler({
      withGray: s.ocr,
      onCandidate: (c) => this.#onCandidate(c),
      onOutOfStep: (backlog) => this.#log.error({ backlog }, 'video tap: ffmpeg outputs out of step; dropping frames'),
    });
    this.#ocr = new FrameOcr({
      path: opts.tesseractPath,
      language: opts.ocrLanguage,
      timeoutMs: opts.ocrTimeoutMs,
      minWordConfidence: opts.ocrMinWordConfidence,
      log: this.#log,
    });
    this.#publisher = new KeyframePublisher({
      ...this.#target,
      keyPrefix: opts.keyPrefix,
      ...(s.ocr ? { ocr: (gray: Buffer) => this.#ocr.recognize(gray) } : {}),
      wallBase: () => this.#wallBase,
      stats: this.#stats,
      onPublished: (data) => this.emit('keyframe', data),
    });
    this.#keyFrames = new KeyFrameRequester({
      request: opts.requestKeyFrame,
      everyMs: s.keyFrameRequestMs,
      log: this.#log,
    });
    this.#recording = opts.record ? RecordingFile.for(opts.codec.mimeType) : undefined;
  }

  get state(): VideoKeyframeTapState {
    return this.#state;
  }

  get address(): TapAddress | undefined {
    return this.#address;
  }

  stats(): VideoKeyframeTapStats {
    this.#sampleCpu();
    if (this.#recording && !this.#recordingDone) this.#stats.recordingBytes = this.#recording.size();
    return structuredClone({
      ...this.#stats,
      state: this.#state,
      ocr: this.#ocr.stats,
      keyFrameRequests: this.#keyFrames.count,
    });
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
    // another process may take the ports between the probe and ffmpeg's bind: try again
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
      await this.#recording?.remove().catch(() => undefined);
      throw lastError instanceof Error ? lastError : new Error(String(lastError));
    }
    this.#readyAt = Date.now();
    if (this.#state === 'starting') this.#state = 'running';
    this.#log.info(
      { rtpPort: this.#address.rtpPort, codec: this.#o.codec.mimeType, pid: this.#child?.pid },
      'video tap listening',
    );
    this.#keyFrames.start(() => {
      if (this.#state !== 'running') return 'stopped';
      return this.#firstOffsetMs === undefined ? 'waiting-for-frames' : 'frames-flowing';
    });
    return this.#address;
  }

  async #spawn(rtpPort: number, rtcpPort: number): Promise<void> {
    const recording = this.#recording;
    const child = await spawnRtpFfmpeg({
      path: this.#o.ffmpegPath ?? 'ffmpeg',
      args: buildFfmpegArgs({
        ...this.#settings,
        ...(recording ? { recording: { format: recording.container.format, path: recording.path } } : {}),
      }),
      sdp: buildVideoSdp({ codec: this.#o.codec, rtpPort, rtcpPort, sessionName: this.#o.producerId }),
      extraStdio: ['pipe', this.#settings.ocr ? 'pipe' : 'ignore', 'pipe'],
      ports: [rtpPort, rtcpPort],
      onStderr: (line) => this.#onStderr(line),
      takeStderr: () => this.#stderr.splice(0),
    });
    this.#child = child;
    this.#stats.pid = child.pid;
    this.#wire(child);
  }

  #wire(child: ChildProcess): void {
    this.#childClosed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.on('exit', (code, signal) => this.#onExit(code, signal));
    const assembler = this.#assembler;
    readFfmpegOutputs(child, {
      onFrameMeta: (meta) => assembler.addMeta(meta),
      onThumbnails: (images) => assembler.addJpegs(images),
      ...(this.#settings.ocr ? { onOcrFrames: (images: Buffer[]) => assembler.addGrays(images) } : {}),
      onProcessedMs: (ms) => {
        this.#stats.processedMs = ms;
      },
      onPipeError: (err) => this.#log.debug({ err }, 'ffmpeg pipe error'),
    });
  }

  #onStderr(line: string): void {
    if (!line.trim()) return;
    this.#stderr.push(line);
    if (this.#stderr.length > STDERR_LINES) this.#stderr.shift();
    if (!isDecodeError(line)) {
      this.#log.debug({ line }, 'ffmpeg');
      return;
    }
    this.#stats.decodeErrors++;
    const now = Date.now();
    if (now - this.#lastDecodeWarn > 10_000) {
      this.#lastDecodeWarn = now; // errors come in bursts: one warning per burst
      this.#log.warn({ line }, 'video tap: decode error; requesting a key frame');
    }
    this.#keyFrames.afterDecodeError();
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#exited = true;
    this.#sampleCpu();
    this.#keyFrames.stop();
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
    this.#emitSafely('exit', () => this.emit('exit', info));
  }

  #sampleCpu(): void {
    const pid = this.#child?.pid;
    if (!pid || this.#exited) return;
    const seconds = processCpuSeconds(pid);
    if (seconds !== undefined) this.#stats.ffmpegCpuSeconds = seconds;
  }

  #onCandidate(c: Candidate): void {
    try {
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
    } catch (err) {
      this.#log.error({ err }, 'video tap: candidate handling failed');
    }
  }

  #releasePending(): void {
    if (this.#pendingTimer) clearTimeout(this.#pendingTimer);
    this.#pendingTimer = undefined;
    for (const k of this.#selector.release()) this.#keep(k);
  }

  #keep(kept: KeptFrame<Candidate>): void {
    this.#stats.keyframes++;
    this.#stats.byReason[kept.reason]++;
    this.#publisher.add(kept);
  }

  /**
   * Ends ffmpeg (RTCP BYE, so the file is finalised; SIGINT then SIGKILL if it hangs), publishes
   * the last key frames, uploads the recording and publishes `media.recording`. Never throws.
   */
  close(): Promise<RecordingData | undefined> {
    this.#closing ??= this.#close()
      .catch((err) => {
        this.#log.error({ err }, 'video tap: close failed');
        this.#state = 'closed';
        return undefined;
      })
      .finally(() => this.#recording?.remove().catch(() => undefined));
    return this.#closing;
  }

  async #close(): Promise<RecordingData | undefined> {
    if (this.#starting) await this.#starting.catch(() => undefined);
    this.#keyFrames.stop();
    if (!this.#child) {
      this.#state = 'closed';
      return undefined;
    }
    this.#sampleCpu();
    this.#stopRequested = true;
    if (!this.#exited) {
      this.#state = 'closing';
      await stopRtpFfmpeg(this.#child, {
        address: this.#address,
        timeoutMs: this.#settings.stopTimeoutMs,
        log: this.#log,
      });
    }
    await this.#childClosed;
    this.#assembler.flush();
    this.#releasePending();
    await this.#publisher.drained();
    const recording = await this.#finishRecording();
    this.#state = 'closed';
    return recording;
  }

  /** Uploads the recording (ffmpeg has exited) and publishes `media.recording`, once. */
  async #finishRecording(): Promise<RecordingData | undefined> {
    const record = this.#o.record;
    const file = this.#recording;
    if (!record || !file || this.#recordingDone) return undefined;
    this.#recordingDone = true;
    const data = await publishRecording({
      ...this.#target,
      file,
      key: record.key,
      exit: this.#stats.exit,
      timeline: {
        firstOffsetMs: this.#firstOffsetMs,
        lastOffsetMs: this.#stats.processedMs ?? this.#stats.lastOffsetMs,
        wallBase: this.#wallBase ?? this.#readyAt,
      },
      stats: this.#stats,
    });
    if (data) this.#emitSafely('recording', () => this.emit('recording', data));
    return data;
  }

  /** A throwing listener must not break the tap. */
  #emitSafely(event: keyof VideoKeyframeTapEvents, emit: () => boolean): void {
    try {
      emit();
    } catch (err) {
      this.#log.error({ err, event }, 'video tap: listener threw');
    }
  }
}
