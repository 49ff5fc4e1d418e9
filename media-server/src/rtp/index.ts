export * from './audio-tap.ts';
export * from './jitter-buffer.ts';
export * from './ogg-opus-writer.ts';
export * from './opus-decoder.ts';
export * from './rtp-packet.ts';
