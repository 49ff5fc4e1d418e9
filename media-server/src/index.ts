export * from './config.ts';
export * from './dsp/resampler.ts';
export * from './ingest/audio-publisher.ts';
export * from './ingest/bot-client.ts';
export * from './ingest/ws-ingest.ts';
