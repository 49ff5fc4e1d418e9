// Test and benchmark helpers (package export "@mi/gateway/testing").
export * from '../webhooks/testing/receiver.ts';
export { readEventStream } from './event-stream-client.ts';
