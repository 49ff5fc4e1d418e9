import { MeetingExtractor } from '../rules/extractor.ts';
import type { MeetingContext, Segment } from '../rules/types.ts';
import { guessParticipants } from './names.ts';
import type { Unit } from './types.ts';

/** An action item or decision the rules engine found, placed on the units it came from. */
export type Finding = {
  /** "decision: launch the product in march": what it is, for reasons and for spotting repeats. */
  key: string;
  kind: 'action item' | 'decision';
  text: string;
  /** 0..1: how much it makes a moment worth clipping. */
  weight: number;
  /** First and last unit index of its source segments. */
  first: number;
  last: number;
};

/** The participant every unattributed line is spoken by: webinar speakers are unknown. */
export const SPEAKER = 'speaker';
/** Units per extractor run. The extractor re-serialises its items on every add, so one run per hour-long talk is quadratic. */
const CHUNK = 24;
/** Units replayed before each chunk so references ("that one", "ok i'll do it") still resolve. */
const LEAD_IN = 4;
/** Commitments without an owner ("we will look at …") are weaker moments. */
const UNOWNED = 0.7;

/**
 * Runs the summarizer's own rules engine over the units in chunks and returns what it found,
 * deduplicated across the overlapping chunk edges.
 */
export function findActionsAndDecisions(units: readonly Unit[], meetingDate = '2000-01-03'): Finding[] {
  const ctx: MeetingContext = {
    meetingDate,
    participants: [{ id: SPEAKER, name: SPEAKER }, ...guessParticipants(units.map((u) => u.text))],
  };
  const segments: Segment[] = units.map((u, i) => ({ id: `u${i}`, speaker: SPEAKER, text: u.text }));
  const indexOf = (id: string) => Number(id.slice(1));
  const found = new Map<string, Finding>();
  let from = 0;
  const keep = (f: Omit<Finding, 'key'>) => {
    // Lead-in units belong to the previous chunk, which saw them with their full context.
    if (f.last < from) return;
    const key = `${f.kind}: ${f.text}`;
    const at = `${f.first}|${f.last}|${key}`;
    if (!found.has(at)) found.set(at, { key, ...f });
  };
  for (; from < segments.length; from += CHUNK) {
    const x = new MeetingExtractor(ctx);
    for (const s of segments.slice(Math.max(0, from - LEAD_IN), from + CHUNK)) x.add(s);
    for (const item of x.actionItems()) {
      const idx = item.sourceSegments.map(indexOf);
      if (!idx.length) continue;
      keep({
        kind: 'action item',
        text: item.task,
        weight: item.confidence * (item.owner ? 1 : UNOWNED),
        first: Math.min(...idx),
        last: Math.max(...idx),
      });
    }
    for (const d of x.decisions()) {
      const idx = d.sourceSegments.map(indexOf);
      if (!idx.length) continue;
      keep({ kind: 'decision', text: d.text, weight: d.confidence, first: Math.min(...idx), last: Math.max(...idx) });
    }
  }
  return [...found.values()].sort((a, b) => a.first - b.first || a.last - b.last || a.kind.localeCompare(b.kind));
}
