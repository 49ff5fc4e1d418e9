import { type Bus, headerNames, type KeyValue, type Subscription, type WorkMessage } from '@mi/bus';
import {
  type AudioFrame,
  assertValid,
  audioMessageKinds,
  decodeAudioFrame,
  type Envelope,
  type EventContext,
  makeEvent,
  queues,
  type StreamLifecycleData,
  StreamLifecycleV1,
  streams,
  subjects,
} from '@mi/contracts';
import { type Logger, type Metrics, startSpanFrom, traceparentOf } from '@mi/telemetry';
import type { Tracer } from '@opentelemetry/api';
import type { AsrEngine } from './engine/types.ts';
import { type StreamCheckpoint, StreamTranscriber, type TranscriberConfig } from './stream-transcriber.ts';
import type { SileroVad } from './vad/silero.ts';

export type TranscriberServiceOptions = {
  bus: Bus;
  vad: SileroVad;
  engine: AsrEngine;
  config: TranscriberConfig;
  logger: Logger;
  metrics: Metrics;
  service: { name: string; version: string };
  /** Claims not heartbeated for this long go to another worker. */
  claimAckWaitMs: number;
  /** Streams one worker transcribes at once. */
  maxStreams: number;
  /** Checkpoint at most this often while a stream is silent. */
  checkpointEveryMs: number;
  /** Each final is a span (`asr.utterance`) in the stream's trace; its context rides on the final. */
  tracer?: Tracer;
};

const CHECKPOINT_BUCKET = 'transcriber_checkpoints';
type SavedCheckpoint = { resumeSeq: number; state: StreamCheckpoint };

/**
 * Transcription worker. Each live stream is a claim on a durable work queue; the worker
 * holding it replays the stream's audio from the bus (from its last checkpoint) and keeps
 * the claim alive with heartbeats. If the worker dies, the claim is redelivered and the next
 * worker resumes from the checkpoint: acknowledged audio is never lost, and deterministic
 * processing plus stable event ids mean consumers see no duplicates.
 */
export class TranscriberService {
  #claims: Subscription | undefined;
  #active = new Map<string, ActiveStream>();
  #kv: KeyValue | undefined;
  #closed = false;

  constructor(private readonly opts: TranscriberServiceOptions) {}

  async start(): Promise<void> {
    const { bus } = this.opts;
    for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
    this.#kv = await bus.kv(CHECKPOINT_BUCKET);
    this.#claims = await bus.consume(
      {
        stream: streams.WORK.name,
        durable: 'transcriber',
        filterSubject: queues.transcribeStream,
        ackWaitMs: this.opts.claimAckWaitMs,
        maxAckPending: this.opts.maxStreams,
        maxDeliver: 20,
      },
      (msg) => this.#onClaim(msg),
    );
    this.opts.logger.info({ bus: bus.kind, engine: this.opts.engine.info }, 'transcriber started');
  }

  async #onClaim(msg: WorkMessage): Promise<void> {
    let ev: Envelope<'media.stream', StreamLifecycleData>;
    try {
      ev = assertValid(StreamLifecycleV1, JSON.parse(Buffer.from(msg.data).toString('utf8')), 'stream claim');
    } catch (err) {
      this.opts.logger.error({ err: (err as Error).message }, 'invalid stream claim dead-lettered');
      return msg.term((err as Error).message);
    }
    const id = ev.data.stream;
    if (this.#active.has(id)) return msg.ack(); // a duplicate claim of a stream we already hold
    if (msg.deliveryCount > 1) this.opts.metrics.retries.inc({ stage: 'transcribe_claim' });
    const saved = await this.#kv!.get(id);
    const checkpoint = saved ? (JSON.parse(Buffer.from(saved.value).toString('utf8')) as SavedCheckpoint) : undefined;
    const active = new ActiveStream(this.opts, ev, msg, this.#kv!, checkpoint, () => {
      this.#active.delete(id);
      this.opts.metrics.queueDepth.set({ queue: 'transcriber_active_streams' }, this.#active.size);
    });
    this.#active.set(id, active);
    this.opts.metrics.queueDepth.set({ queue: 'transcriber_active_streams' }, this.#active.size);
    await active.run();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#claims?.unsubscribe();
    await Promise.all([...this.#active.values()].map((a) => a.stop()));
  }
}

/** One claimed stream: replays its audio subject, feeds the transcriber, checkpoints, finishes. */
class ActiveStream {
  #replay: Subscription | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #queue: Promise<void> = Promise.resolve();
  #transcriber: StreamTranscriber;
  #lastCheckpointMs = 0;
  #done = false;
  readonly #ctx: EventContext;
  #lastSeq: number;

  constructor(
    private readonly opts: TranscriberServiceOptions,
    private readonly started: Envelope<'media.stream', StreamLifecycleData>,
    private readonly claim: WorkMessage,
    private readonly kv: KeyValue,
    private readonly checkpoint: SavedCheckpoint | undefined,
    private readonly onDone: () => void,
  ) {
    const d = started.data;
    this.#lastSeq = (checkpoint?.resumeSeq ?? 1) - 1;
    this.#ctx = {
      tenant: started.tenant,
      correlationId: started.correlationId,
      room: d.room,
      producer: {
        service: opts.service.name,
        version: opts.service.version,
        model: { name: opts.engine.info.name, version: `${opts.engine.info.version}/${opts.engine.info.model}` },
      },
    };
    this.#transcriber = new StreamTranscriber(
      opts.vad,
      opts.engine,
      opts.config,
      { stream: d.stream, room: d.room, participant: d.participant, streamStartedAt: d.streamStartedAt },
      {
        speech: (state, at, probability) => this.#publishSpeech(state, at, probability),
        partial: (data, id) => this.#publish(subjects.transcriptPartial(d.room), 'transcript.partial', data, id),
        final: async (data, id, timing) => {
          const span = opts.tracer
            ? startSpanFrom(opts.tracer, 'asr.utterance', this.claim.headers[headerNames.traceparent], {
                startTime: new Date(Date.parse(d.streamStartedAt) + data.start),
                attributes: { 'mi.room': d.room, 'mi.segment': data.segmentId, 'mi.asr_ms': timing.asrMs },
              })
            : undefined;
          await this.#publish(
            subjects.transcriptFinal(d.room),
            'transcript.final',
            data,
            id,
            true,
            span ? traceparentOf(span) : undefined,
          );
          span?.end();
          const m = this.opts.metrics;
          m.stageLatency.observe({ stage: 'asr_final' }, timing.asrMs / 1000);
          m.realTimeFactor.observe({ engine: opts.engine.info.name }, timing.asrMs / Math.max(1, timing.audioMs));
          const spokenEnd = Date.parse(d.streamStartedAt) + data.end;
          m.stageLatency.observe({ stage: 'end_of_utterance_to_final' }, Math.max(0, Date.now() - spokenEnd) / 1000);
        },
      },
      checkpoint?.state,
    );
  }

  async run(): Promise<void> {
    const d = this.started.data;
    this.#heartbeat = setInterval(() => this.claim.working(), Math.max(200, this.opts.claimAckWaitMs / 3));
    this.#heartbeat.unref();
    const from = this.checkpoint
      ? ({ kind: 'seq', seq: this.checkpoint.resumeSeq } as const)
      : ({ kind: 'time', time: new Date(Date.parse(d.streamStartedAt) - 2000) } as const);
    this.opts.logger.info({ stream: d.stream, from, redelivered: this.claim.deliveryCount > 1 }, 'transcribing stream');
    this.#replay = await this.opts.bus.replay(
      streams.AUDIO.name,
      { filterSubject: subjects.audio(d.room, d.participant.id), from, live: true },
      (msg) => {
        this.#queue = this.#queue
          .then(() => this.#onMessage(msg.seq, msg.data, msg.headers))
          .catch((err) => {
            this.opts.logger.error({ err, stream: d.stream }, 'stream processing failed');
            void this.stop();
          });
        return this.#queue;
      },
    );
  }

  async #onMessage(seq: number, data: Uint8Array, headers: Record<string, string>): Promise<void> {
    if (this.#done || seq <= this.#lastSeq) return;
    this.#lastSeq = seq;
    const d = this.started.data;
    if (headers[audioMessageKinds.header] === audioMessageKinds.end) {
      const end = JSON.parse(Buffer.from(data).toString('utf8')) as Envelope<'media.stream', StreamLifecycleData>;
      if (end.data.stream !== d.stream) return;
      await this.#transcriber.end();
      await this.kv.delete(d.stream);
      await this.claim.ack();
      this.opts.logger.info({ stream: d.stream }, 'stream transcribed');
      this.#finish();
      return;
    }
    let frame: AudioFrame;
    try {
      frame = decodeAudioFrame(data);
    } catch (err) {
      // A malformed frame is dropped (the gap is bridged with silence), not fatal to the stream.
      this.opts.metrics.droppedFrames.inc({ reason: 'malformed' });
      this.opts.logger.warn({ err: (err as Error).message, stream: d.stream, seq }, 'malformed audio frame dropped');
      return;
    }
    if (frame.meta.data.stream !== d.stream) return; // an earlier or parallel stream of the same participant
    const t0 = performance.now();
    await this.#transcriber.push(frame.pcm, frame.meta.data.offset);
    const m = this.opts.metrics;
    m.stageLatency.observe({ stage: 'transcribe_frame' }, (performance.now() - t0) / 1000);
    // How far behind real time this stream is processed (grows when the worker is overloaded).
    const frameEnd = Date.parse(d.streamStartedAt) + ((frame.meta.data.offset + frame.pcm.length) / 16000) * 1000;
    m.stageLatency.observe({ stage: 'transcriber_lag' }, Math.max(0, Date.now() - frameEnd) / 1000);
    m.audioSeconds.inc({ stage: 'transcriber' }, frame.pcm.length / 16000);
    await this.#maybeCheckpoint(seq);
  }

  /** Saves resumable state between utterances: right after a final, and periodically in silence. */
  async #maybeCheckpoint(seq: number): Promise<void> {
    if (!this.#transcriber.resumable) return;
    const now = performance.now();
    const justClosed = this.#wasInUtterance;
    this.#wasInUtterance = false;
    if (!justClosed && now - this.#lastCheckpointMs < this.opts.checkpointEveryMs) return;
    this.#lastCheckpointMs = now;
    // Built only when written: serialising the state on every frame was a hot spot.
    const saved: SavedCheckpoint = { resumeSeq: seq + 1, state: this.#transcriber.checkpoint()! };
    await this.kv.put(this.started.data.stream, Buffer.from(JSON.stringify(saved)));
  }
  #wasInUtterance = false;

  #publishSpeech(state: 'speech' | 'silence', at: number, probability: number): void {
    const d = this.started.data;
    if (state === 'speech') this.#wasInUtterance = true;
    const data = { stream: d.stream, room: d.room, participant: d.participant, state, at, probability };
    void this.#publish(
      subjects.speech(d.room, d.participant.id),
      'speech.state',
      data,
      `speech:${d.stream}:${at}:${state}`,
    );
  }

  /** Partials and speech state are fire-and-forget; finals are appended durably (`durable`). */
  async #publish(
    subject: string,
    type: string,
    data: unknown,
    id: string,
    durable = false,
    traceparent?: string,
  ): Promise<void> {
    const ev = makeEvent(type, 1, data, this.#ctx, id);
    this.opts.metrics.events.inc({ type });
    const bytes = Buffer.from(JSON.stringify(ev));
    const headers: Record<string, string> = { [headerNames.correlationId]: this.#ctx.correlationId };
    if (traceparent) headers[headerNames.traceparent] = traceparent;
    const opts = { msgId: id, headers };
    if (durable) await this.opts.bus.append(subject, bytes, opts);
    else await this.opts.bus.publish(subject, bytes, opts);
  }

  #finish(): void {
    this.#done = true;
    clearInterval(this.#heartbeat);
    this.onDone();
    // Usually called from inside the replay's own handler, and unsubscribing waits for that handler
    // to return: awaiting it here deadlocked (and leaked the stream). Unsubscribe once it has returned.
    const replay = this.#replay;
    if (replay) setImmediate(() => void replay.unsubscribe().catch(() => {}));
  }

  /** Worker shutdown: stop without acking, so another worker resumes from the checkpoint. */
  async stop(): Promise<void> {
    if (this.#done) return;
    this.#transcriber.abort();
    this.#finish();
    this.claim.nak(); // hand the stream over now rather than after the ack wait (rolling restarts)
  }
}
