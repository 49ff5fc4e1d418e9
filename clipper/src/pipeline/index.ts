export { type BatchDeps, createBatchHandlers, type SourceTranscript, type TranscribeSource } from './batch-handlers.ts';
export { type JobKeys, jobKeys } from './keys.ts';
export { presignResult } from './presign.ts';
export { assembleRoomSource, type RoomSourceDeps } from './room-source.ts';
export { RoomHighlightsTrigger, type RoomHighlightsTriggerOptions, roomJobId } from './room-trigger.ts';
export { checkpoint, readJson, writeJson } from './stored-json.ts';
export { transcribeOnBus } from './transcribe-source.ts';
