/** Trim ranges chosen on a clip, mapped back to the source media the clip was cut from. */

export type Range = { start: number; end: number };

/**
 * The source ranges (ms) behind `from`–`to` ms of a clip joined from `clipRanges` (source ms, in
 * play order). A clip of one range maps by its start; a joined clip maps piece by piece, so a trim
 * across a join keeps the parts of both ranges. Empty when nothing of the clip is selected.
 */
export function toSourceRanges(clipRanges: readonly Range[], from: number, to: number): Range[] {
  const out: Range[] = [];
  let offset = 0; // where the current range starts in the clip
  for (const r of clipRanges) {
    const length = r.end - r.start;
    const start = Math.max(from, offset);
    const end = Math.min(to, offset + length);
    if (end > start) out.push({ start: r.start + (start - offset), end: r.start + (end - offset) });
    offset += length;
  }
  return out;
}
