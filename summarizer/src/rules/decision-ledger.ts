import type { SegmentFacts } from './analyse.ts';
import { decisionContent } from './decisions.ts';
import { contentWords } from './task.ts';
import type { DecisionRecord, RecentSegment, Segment } from './types.ts';

// Applies a turn's decision to the meeting: a confirmation of a recent decision ("wizard it
// is") updates it; a bare "let's go with that" borrows the proposal it answers.

const LOOKBACK = 3;
const isNumberWord = (w: string) =>
  /^\d/.test(w) ||
  /^(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|percent)/.test(
    w,
  );

export function decisionWords(text: string): string[] {
  return contentWords(text.toLowerCase().split(/[^a-z0-9']+/)).filter((w) => !isNumberWord(w));
}

function overlap(a: readonly string[], b: readonly string[]): number {
  const set = new Set(b);
  return new Set(a.filter((w) => set.has(w))).size;
}

export function applyDecision(
  records: DecisionRecord[],
  seg: Segment,
  index: number,
  facts: SegmentFacts,
  recent: readonly RecentSegment[],
): void {
  const d = facts.decision;
  if (!d) return;
  const own = decisionWords(d.text);
  // "let's go with two": nothing but a number or a pronoun; the proposal it answers says what.
  const poor = own.length === 0;
  const short = decisionContent(d.text) <= 2;
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i];
    if (!r || r.segIndex < index - LOOKBACK) break;
    const shared = overlap(own, r.words);
    // "Great, that's the new rule": a content-free confirmation ratifies the latest decision.
    const ratifies = poor && d.kind === 'explicit' && i === records.length - 1;
    if (shared >= 2 || (shared >= 1 && (short || d.kind === 'agreement')) || ratifies) {
      if (!r.decision.sourceSegments.includes(seg.id)) r.decision.sourceSegments.push(seg.id);
      r.decision.confidence = Math.max(r.decision.confidence, d.strength);
      r.segIndex = index;
      return;
    }
  }
  let text = d.text;
  const sources = [seg.id];
  if (poor) {
    // "Fair, let's go with two." answers the turn before it.
    const prev = [...recent].reverse().find((s) => s.index >= index - 2 && decisionContent(s.lead) >= 2);
    if (!prev) return;
    text = d.text ? `${prev.lead} (${d.text})` : prev.lead;
    sources.unshift(prev.id);
  } else {
    const words = new Set(own);
    const proposal = [...recent]
      .reverse()
      .find((s) => s.proposal && s.index >= index - LOOKBACK && s.words.filter((w) => words.has(w)).length >= 2);
    if (proposal) sources.unshift(proposal.id);
  }
  records.push({
    decision: { id: `dec-${seg.id}`, text, confidence: d.strength, sourceSegments: sources },
    segIndex: index,
    words: decisionWords(text),
  });
}
