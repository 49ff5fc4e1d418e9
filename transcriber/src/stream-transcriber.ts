import type { Participant, TranscriptFinalData, TranscriptPartialData } from '@mi/contracts';
import type { AsrEngine, AsrStream, StreamContext } from './engine/types.ts';
import type { SegmenterConfig } from './vad/segmenter.ts';
import type { SileroVad } from './vad/silero.ts';
import { type GateEvent, type GateState, SpeechGate } from './vad/speech-gate.ts';
import { PartialStabilizer } from './vad/stabilizer.ts';

export type StreamInfo = { stream: string; room: string; participant: Participant; streamStartedAt: string };

export type TranscriberConfig = SegmenterConfig & {
  /** A partial every this much utterance audio. */
  partialIntervalMs: number;
};

export type StreamEvents = {
  speech(state: 'speech' | 'silence', atMs: number, probability: number): void;
  partial(data: TranscriptPartialData, id: string): void;
  final(data: TranscriptFinalData, id: string, timing: { asrMs: number; audioMs: number }): Promise<void> | void;
};

/**
 * Everything needed to resume a stream exactly; only exists between utterances. `asr` is the
 * engine's per-stream context (e.g. pocketsphinx's carried cepstral mean), opaque JSON.
 */
export type StreamCheckpoint = GateState & { asr?: StreamContext };

type Utterance = {
  asr: AsrStream;
  start: number;
  feedStart: number;
  fed: number;
  lastPartialAt: number;
  revision: number;
};

const ms = (samples: number) => (samples / 16000) * 1000;
/** Longest run of missing audio bridged with silence (10 s); longer gaps mean a broken stream. */
const MAX_GAP_SAMPLES = 160_000;

/**
 * The live path for one participant stream: VAD gates the ASR engine; partials while speech
 * lasts (stabilised), one final per utterance. Deterministic given the same audio and
 * checkpoint, so a restarted worker re-emits the same segment ids.
 */
export class StreamTranscriber {
  #gate: SpeechGate;
  #utterance: Utterance | undefined;
  #stabilizer = new PartialStabilizer();
  #partialChain: Promise<void> = Promise.resolve();
  /** Carried from one utterance to the next of this stream (the engine updates it at finish). */
  #asrContext: StreamContext;

  constructor(
    vad: SileroVad,
    private readonly engine: AsrEngine,
    private readonly config: TranscriberConfig,
    readonly info: StreamInfo,
    private readonly events: StreamEvents,
    checkpoint?: StreamCheckpoint,
  ) {
    this.#gate = new SpeechGate(vad, config, checkpoint);
    this.#asrContext = checkpoint?.asr ? structuredClone(checkpoint.asr) : {};
  }

  get offset(): number {
    return this.#gate.offset;
  }

  /** True between utterances, when a checkpoint can be taken. */
  get resumable(): boolean {
    return !this.#utterance && !this.#gate.inSpeech;
  }

  /** State to resume from, or undefined while an utterance is open (resume must redo it). */
  checkpoint(): StreamCheckpoint | undefined {
    if (!this.resumable) return undefined;
    return { ...this.#gate.state(), asr: structuredClone(this.#asrContext) };
  }

  /** Feeds the frame starting at sample `offset`; frames must arrive in order without gaps. */
  async push(pcm: Int16Array, offset: number): Promise<void> {
    const have = this.#gate.offset;
    if (offset + pcm.length <= have) return; // already processed (replayed frame)
    if (offset > have) {
      // A frame was lost (e.g. a malformed message was dropped): keep time aligned with silence.
      if (offset - have > MAX_GAP_SAMPLES)
        throw new Error(`gap of ${offset - have} samples in stream ${this.info.stream}`);
      for (const ev of await this.#gate.process(new Int16Array(offset - have))) await this.#on(ev);
    }
    for (const ev of await this.#gate.process(pcm.subarray(Math.max(0, this.#gate.offset - offset))))
      await this.#on(ev);
    this.#maybePartial();
  }

  /** End of stream: an open utterance becomes a final. */
  async end(): Promise<void> {
    for (const ev of this.#gate.finish()) await this.#on(ev);
  }

  /** Abandons an open utterance without emitting (worker shutting down; another will redo it). */
  abort(): void {
    this.#utterance?.asr.abort();
    this.#utterance = undefined;
  }

  async #on(ev: GateEvent): Promise<void> {
    if (ev.kind === 'start') {
      const asr = this.engine.startStream({ context: this.#asrContext });
      asr.write(ev.head);
      this.#utterance = {
        asr,
        start: ev.at,
        feedStart: ev.feedStart,
        fed: ev.head.length,
        lastPartialAt: 0,
        revision: 0,
      };
      this.#stabilizer.reset();
      this.events.speech('speech', ms(ev.at), ev.probability);
    } else if (ev.kind === 'audio') {
      const u = this.#utterance!;
      u.asr.write(ev.pcm);
      u.fed += ev.pcm.length;
    } else {
      await this.#close(ev.at, ev.probability);
    }
  }

  #maybePartial(): void {
    const u = this.#utterance;
    if (!u || ms(u.fed) - u.lastPartialAt < this.config.partialIntervalMs) return;
    u.lastPartialAt = ms(u.fed);
    const revision = u.revision++;
    this.#partialChain = this.#partialChain.then(async () => {
      const hyp = await u.asr.partial().catch(() => '');
      if (!hyp || this.#utterance !== u) return;
      const { stable, unstable, text } = this.#stabilizer.update(hyp);
      const segmentId = `${this.info.stream}:${u.start}`;
      this.events.partial(
        { ...this.#segmentBase(segmentId, u.start, u.feedStart + u.fed), text, stable, unstable, revision },
        `partial:${segmentId}:${revision}`,
      );
    });
  }

  async #close(endSample: number, probability: number): Promise<void> {
    const u = this.#utterance!;
    await this.#partialChain; // partials already asked for go out before the final
    this.events.speech('silence', ms(endSample), probability);
    const t0 = performance.now();
    // The utterance stays open until finish() has updated the stream context, so no checkpoint misses it.
    const result = await u.asr.finish().finally(() => {
      this.#utterance = undefined;
    });
    const asrMs = performance.now() - t0;
    const text = result.text.trim();
    if (!text) return; // noise the VAD let through: no text, no event
    const segmentId = `${this.info.stream}:${u.start}`;
    const shift = ms(u.feedStart);
    await this.events.final(
      {
        ...this.#segmentBase(segmentId, u.start, endSample),
        text,
        words: result.words.map((w) => ({
          word: w.word,
          start: shift + w.start,
          end: shift + w.end,
          ...(w.confidence !== undefined ? { confidence: w.confidence } : {}),
        })),
        confidence: result.confidence,
        engine: { ...this.engine.info },
      },
      `final:${segmentId}`,
      { asrMs, audioMs: ms(u.fed) },
    );
  }

  #segmentBase(segmentId: string, start: number, end: number) {
    return {
      segmentId,
      stream: this.info.stream,
      room: this.info.room,
      speaker: this.info.participant,
      start: ms(start),
      end: ms(end),
      startedAt: new Date(Date.parse(this.info.streamStartedAt) + ms(start)).toISOString(),
    };
  }
}
