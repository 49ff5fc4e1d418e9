export * from './config.ts';
export * from './system.ts';
