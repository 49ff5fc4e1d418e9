export * from './rtp-publisher.ts';
export * from './signaling-client.ts';
