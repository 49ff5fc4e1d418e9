export { type EnergyCurve, EnergyMeter } from './audio-energy.ts';
export { CHUNK_DURABLE, ChunkWorker, type ChunkWorkerOptions, type ChunkWorkerStats } from './chunk-worker.ts';
export { transcriptKeys } from './keys.ts';
export { ChunkDone, ChunkResult, ChunkWork } from './messages.ts';
export { decodePcmWav, encodePcmWav, WavFormatError } from './pcm-wav.ts';
export type { BatchProgress } from './progress.ts';
export { findQuietCut } from './quiet-cut.ts';
export { type AudioChunk, type AudioSplit, type SplitOptions, type SplitSummary, splitAudio } from './split-audio.ts';
export type { ChunkStore } from './store.ts';
export { type ChunkTranscriptionDeps, transcribeChunk } from './transcribe-chunk.ts';
export {
  type BatchTranscript,
  type LocalTranscriptionDeps,
  type LocalTranscriptionOptions,
  transcribeLocally,
} from './transcribe-locally.ts';
export { transcribeOnWorkers, type WorkersTranscriptionOptions } from './transcribe-on-workers.ts';
