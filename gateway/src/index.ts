export * from './app.ts';
export * from './auth.ts';
export * from './room-events.ts';
export type { ReadinessCheck } from './routes/health.ts';
export * from './summary-view.ts';
