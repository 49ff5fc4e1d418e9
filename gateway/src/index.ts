export * from './app.ts';
export * from './auth.ts';
export * from './config.ts';
export * from './room-events.ts';
export type { ReadinessCheck } from './routes/health.ts';
export * from './summary-view.ts';
export * from './uploads/index.ts';
export { createWebhooks } from './webhooks/create.ts';
export * from './webhooks/index.ts';
