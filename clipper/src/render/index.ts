export { renderCaptions } from './captions.ts';
export { bareCutArgs } from './direct-cut.ts';
export { renderClip } from './render-clip.ts';
export type { ClipRange, RenderedClip, RenderRequest } from './types.ts';
