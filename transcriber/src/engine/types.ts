/** One recognised word; times in ms relative to the start of the segment/utterance audio. */
export type AsrWord = { word: string; start: number; end: number; confidence?: number };

/** Result for one utterance. `confidence` is in 0..1 (0 when there are no words). */
export type AsrResult = { text: string; words: AsrWord[]; confidence: number };

/** A whole speech segment for batch transcription: 16 kHz mono PCM. */
export type AsrSegment = { id: string; pcm: Int16Array };

/**
 * One utterance decoded incrementally. Calls may be made without awaiting earlier ones;
 * an engine keeps them in order. After finish() or abort() the stream is closed.
 */
export interface AsrStream {
  /** Appends 16 kHz mono PCM. Never blocks; failures surface in partial()/finish(). */
  write(pcm: Int16Array): void;
  /** Current best hypothesis text (cheap; may change later); '' when nothing yet. */
  partial(): Promise<string>;
  /** Ends the utterance and returns the final result. */
  finish(): Promise<AsrResult>;
  /** Drops the utterance; pending partial()/finish() calls reject. */
  abort(): void;
}

/** A JSON value: what a StreamContext may hold, so that it survives JSON.stringify/parse unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * State an engine carries from one utterance to the next of the same audio stream (for example a
 * participant's channel: pocketsphinx keeps its cepstral mean there). The caller creates one per
 * audio stream (a plain `{}` will do), passes it to every startStream() of that stream, and may
 * checkpoint it with JSON.stringify and restore it with JSON.parse: results depend only on the
 * audio and the context's content. Its content is engine-private. The engine reads it when
 * startStream() is called and replaces its own entries when finish() resolves, so start the next
 * utterance after the previous finish() has resolved to carry the state over. Engines without
 * such state leave it untouched.
 */
export type StreamContext = { [engineKey: string]: JsonValue };

export type AsrStreamOptions = {
  /** Per-audio-stream state carried across utterances (see StreamContext). */
  context?: StreamContext;
};

export type AsrEngineInfo = { name: string; version: string; model: string };

export type AsrCapabilities = {
  /** startStream() gives real partials (otherwise partial() always returns ''). */
  streaming: boolean;
  /** Results carry word timings. */
  words: boolean;
  /** Segments decoded in parallel; larger batches are accepted and queued. */
  maxBatch: number;
};

/** Every ASR engine (pocketsphinx, Whisper ONNX, remote HTTP, ...) implements this. */
export interface AsrEngine {
  readonly info: AsrEngineInfo;
  readonly capabilities: AsrCapabilities;
  /** Whole segments; results are in the order of `batch`. */
  transcribe(batch: AsrSegment[]): Promise<AsrResult[]>;
  /** Incremental decoding of one utterance (of the audio stream that `opts.context` belongs to). */
  startStream(opts?: AsrStreamOptions): AsrStream;
  /** Stops the engine; open streams and pending calls reject. */
  close(): Promise<void>;
}
