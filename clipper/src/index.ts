export * from './config.ts';
export * from './keyframes/index.ts';
export * from './pipeline/index.ts';
export * from './render/index.ts';
