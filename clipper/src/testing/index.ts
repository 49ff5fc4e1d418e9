export * from './webinar.ts';
