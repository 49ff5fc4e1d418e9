export { DEFAULT_SCENE_THRESHOLD, type DetectedScene, detectScenes, type KeyframeOptions } from './detect-scenes.ts';
export type { DecodeMode } from './ffmpeg-args.ts';
