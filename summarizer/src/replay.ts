import { type MeetingContext, MeetingExtractor, type Segment } from './rules/index.ts';

/**
 * Every action item id the live summarizer proposes for these segments, in order: items the rules
 * later retract were still proposed (and gated) when they appeared. What a crash-safe run must emit.
 * With `asTheySpeak`, a participant is known only from their first segment on, as in a live room
 * whose join events were not seen.
 */
export function proposedActionItemIds(
  ctx: MeetingContext,
  segments: Segment[],
  opts: { asTheySpeak?: boolean } = {},
): string[] {
  const extractor = new MeetingExtractor(opts.asTheySpeak ? { ...ctx, participants: [] } : ctx);
  const known = new Set<string>();
  const ids: string[] = [];
  for (const s of segments) {
    if (opts.asTheySpeak && !known.has(s.speaker)) {
      known.add(s.speaker);
      const p = ctx.participants.find((x) => x.id === s.speaker);
      if (p) extractor.addParticipant(p);
    }
    const d = extractor.add(s);
    for (const x of [...d.actionItems.added, ...d.actionItems.updated]) if (!ids.includes(x.id)) ids.push(x.id);
  }
  return ids;
}
