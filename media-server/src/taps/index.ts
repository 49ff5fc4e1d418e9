export * from './audio-pipeline-tap.ts';
export * from './pipeline-taps.ts';
export * from './video-pipeline-tap.ts';
