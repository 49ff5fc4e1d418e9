export * from './backoff.ts';
export * from './circuit-breaker.ts';
export * from './timeout.ts';
