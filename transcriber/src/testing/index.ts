// Test and benchmark helpers (package export "@mi/transcriber/testing"): synthetic speech, the
// meeting script, and the bare pocketsphinx_batch baseline.

export * from '../engine/pocketsphinx-batch.ts';
export * from './bounds.ts';
export * from './script.ts';
export * from './speech.ts';
