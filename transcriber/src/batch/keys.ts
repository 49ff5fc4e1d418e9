/**
 * Object-store keys of a job's batch transcription. Index numbers are zero-padded so that a
 * listing is in chunk order.
 */
const pad = (index: number) => String(index).padStart(5, '0');

export const transcriptKeys = {
  /** Everything the batch transcription of a job stores. */
  prefix: (tenant: string, job: string) => `jobs/${tenant}/${job}/transcript/`,
  /** A chunk's audio (WAV), deleted once the whole transcript is done. */
  chunkAudio: (tenant: string, job: string, index: number) =>
    `jobs/${tenant}/${job}/transcript/audio/chunk-${pad(index)}.wav`,
  /** A chunk's result (ChunkResult JSON), kept so a retried job resumes. */
  chunkResult: (tenant: string, job: string, index: number) =>
    `jobs/${tenant}/${job}/transcript/chunk-${pad(index)}.json`,
};
