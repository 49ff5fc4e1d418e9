export * from './logger.ts';
export * from './metrics.ts';
export * from './quantiles.ts';
export * from './trace.ts';
export * from './tracing.ts';
