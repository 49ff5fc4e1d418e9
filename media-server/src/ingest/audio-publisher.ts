import type { Bus } from '@mi/bus';
import { headerNames } from '@mi/bus';
import {
  type AudioFrameData,
  audioMessageKinds,
  BUS_SAMPLE_RATE,
  type EventContext,
  encodeAudioFrame,
  makeEvent,
  type Participant,
  queues,
  type StreamLifecycleData,
  subjects,
} from '@mi/contracts';

export type AudioStreamInfo = {
  stream: string;
  room: string;
  participant: Participant;
  source: StreamLifecycleData['source'];
  input: StreamLifecycleData['input'];
  ctx: EventContext;
  /** Frame length on the bus (ms of 16 kHz audio). */
  frameMs: number;
  /** Trace context of the stream: transcription spans become its children. */
  traceparent?: string;
};

/**
 * Publishes one participant stream onto the bus in fixed-size 16 kHz frames, in order:
 * lifecycle `started` + a work claim for transcribers, durable audio frames (msgId = stream:seq
 * so a retried append is dropped, not duplicated), then an end marker and lifecycle `ended`.
 * Whatever the source (WS bot, WebRTC tap, RTP), audio reaches transcription the same way.
 */
export class AudioPublisher {
  readonly startedAt = new Date();
  #pending = new Int16Array(0);
  #seq = 0;
  #offset = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #failed: Error | undefined;
  #ended = false;
  readonly #frameSamples: number;

  constructor(
    private readonly bus: Bus,
    readonly info: AudioStreamInfo,
  ) {
    this.#frameSamples = Math.round((BUS_SAMPLE_RATE * info.frameMs) / 1000);
  }

  get samplesPublished(): number {
    return this.#offset;
  }

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      [headerNames.correlationId]: this.info.ctx.correlationId,
      ...(this.info.traceparent ? { [headerNames.traceparent]: this.info.traceparent } : {}),
      ...extra,
    };
  }

  /** Announces the stream (lifecycle event + a claim any transcriber can take). */
  async start(): Promise<void> {
    const ev = this.#lifecycle('started');
    const headers = this.#headers();
    await this.bus.append(subjects.streamLifecycle(this.info.room, this.info.participant.id), json(ev), {
      msgId: ev.id,
      headers,
    });
    await this.bus.append(queues.transcribeStream, json(ev), { msgId: `claim:${this.info.stream}`, headers });
  }

  /** Queues 16 kHz mono samples; full frames are appended to the bus in order. */
  write(samples: Int16Array): void {
    if (this.#failed) throw this.#failed;
    if (this.#ended) throw new Error('stream already ended');
    const merged = new Int16Array(this.#pending.length + samples.length);
    merged.set(this.#pending);
    merged.set(samples, this.#pending.length);
    let at = 0;
    while (merged.length - at >= this.#frameSamples) {
      this.#emit(merged.slice(at, at + this.#frameSamples));
      at += this.#frameSamples;
    }
    this.#pending = merged.slice(at);
  }

  /** Appends not yet acknowledged by the bus (backpressure signal for sources). */
  get inFlight(): Promise<unknown> {
    return this.#tail;
  }

  /** Flushes the partial last frame, marks the end on the audio subject and announces `ended`. */
  async end(reason = 'client ended'): Promise<void> {
    if (this.#ended) return;
    if (this.#pending.length > 0 && !this.#failed) this.#emit(this.#pending);
    this.#pending = new Int16Array(0);
    this.#ended = true;
    await this.#tail;
    if (this.#failed) throw this.#failed;
    const ev = this.#lifecycle('ended', reason);
    const headers = this.#headers({ [audioMessageKinds.header]: 'end' });
    await this.bus.append(subjects.audio(this.info.room, this.info.participant.id), json(ev), {
      msgId: `end:${this.info.stream}`,
      headers,
    });
    await this.bus.append(subjects.streamLifecycle(this.info.room, this.info.participant.id), json(ev), {
      msgId: ev.id,
      headers: this.#headers(),
    });
  }

  #emit(pcm: Int16Array): void {
    const data: AudioFrameData = {
      stream: this.info.stream,
      room: this.info.room,
      participant: this.info.participant,
      seq: this.#seq,
      offset: this.#offset,
      samples: pcm.length,
      sampleRate: BUS_SAMPLE_RATE,
      channels: 1,
      encoding: 'pcm_s16le',
      streamStartedAt: this.startedAt.toISOString(),
    };
    const id = `${this.info.stream}:${this.#seq}`;
    const meta = makeEvent('media.audio', 1, data, this.info.ctx, id);
    const bytes = encodeAudioFrame({ meta, pcm });
    const subject = subjects.audio(this.info.room, this.info.participant.id);
    const headers = { [headerNames.correlationId]: this.info.ctx.correlationId, [audioMessageKinds.header]: 'frame' };
    this.#seq++;
    this.#offset += pcm.length;
    this.#tail = this.#tail.then(() =>
      this.bus.append(subject, bytes, { msgId: id, headers }).catch((err: Error) => {
        this.#failed ??= err;
      }),
    );
  }

  #lifecycle(state: 'started' | 'ended', reason?: string) {
    const data: StreamLifecycleData = {
      stream: this.info.stream,
      room: this.info.room,
      participant: this.info.participant,
      state,
      source: this.info.source,
      input: this.info.input,
      streamStartedAt: this.startedAt.toISOString(),
    };
    if (state === 'ended') {
      data.frames = this.#seq;
      data.samples = this.#offset;
      if (reason) data.reason = reason;
    }
    return makeEvent('media.stream', 1, data, this.info.ctx, `${this.info.stream}:${state}`);
  }
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
