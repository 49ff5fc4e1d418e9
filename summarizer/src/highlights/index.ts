// Highlight detection and edit decision lists for the batch path: pure functions over a
// transcript, slide changes and an audio energy curve (no media access).

export { captionsFor } from './captions.ts';
export { edlFromRanges } from './edl.ts';
export { findHighlights, HIGHLIGHT_DEFAULTS, HIGHLIGHT_WEIGHTS } from './find.ts';
export type { EnergyCurve, HighlightInput, HighlightOptions } from './types.ts';
