export * from './approval-store.ts';
export * from './audit-log.ts';
