export * from './pipeline/index.ts';
export * from './config.ts';
