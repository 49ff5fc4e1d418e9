export * from './app.ts';
export * from './room-events.ts';
export type { ReadinessCheck } from './routes/health.ts';
