export * from './config.ts';
export * from './create.ts';
export * from './engine.ts';
export * from './gate.ts';
export * from './policy/index.ts';
export * from './room-state.ts';
export * from './rules/index.ts';
export * from './service.ts';
