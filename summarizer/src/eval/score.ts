import type { ExtractedActionItem, ExtractedDecision } from '../rules/index.ts';
import type { ExpectedActionItem, ExpectedDecision } from './load.ts';
import { contentSet, overlapCoefficient } from './words.ts';

// Scores predictions against labels. A predicted and an expected item may match when they
// share a source segment and their texts overlap (content-word overlap coefficient ≥ 0.5);
// pairs are taken greedily, best overlap first, each item at most once.

export const MIN_OVERLAP = 0.5;

export type Prf = { precision: number; recall: number; f1: number };
export type Counts = { tp: number; fp: number; fn: number };

export type ActionItemCounts = {
  items: Counts;
  /** Matched pairs whose owner also matches. */
  ownerTp: number;
  /** Matched pairs whose due date also matches (both null counts). */
  dueCorrect: number;
};

export type MeetingCounts = { actionItems: ActionItemCounts; decisions: Counts };

export type Figures = {
  actionItems: Prf;
  owner: Prf;
  /** Share of matched action items with the right due date. */
  dueAccuracy: number;
  decisions: Prf;
};

type Textual = { text: string; sourceSegments: readonly string[] };

/** One-to-one greedy matching; returns [predictedIndex, expectedIndex] pairs. */
export function matchPairs(predicted: readonly Textual[], expected: readonly Textual[]): [number, number][] {
  const pSets = predicted.map((p) => contentSet(p.text));
  const eSets = expected.map((e) => contentSet(e.text));
  const options: { p: number; e: number; score: number; shared: number }[] = [];
  predicted.forEach((p, pi) => {
    expected.forEach((e, ei) => {
      const shared = p.sourceSegments.filter((s) => e.sourceSegments.includes(s)).length;
      if (shared === 0) return;
      const score = overlapCoefficient(pSets[pi] ?? new Set(), eSets[ei] ?? new Set());
      if (score >= MIN_OVERLAP) options.push({ p: pi, e: ei, score, shared });
    });
  });
  options.sort((a, b) => b.score - a.score || b.shared - a.shared || a.p - b.p || a.e - b.e);
  const usedP = new Set<number>();
  const usedE = new Set<number>();
  const pairs: [number, number][] = [];
  for (const o of options) {
    if (usedP.has(o.p) || usedE.has(o.e)) continue;
    usedP.add(o.p);
    usedE.add(o.e);
    pairs.push([o.p, o.e]);
  }
  return pairs;
}

export function countActionItems(
  predicted: readonly Pick<ExtractedActionItem, 'owner' | 'task' | 'due' | 'sourceSegments'>[],
  expected: readonly ExpectedActionItem[],
): ActionItemCounts {
  const pairs = matchPairs(
    predicted.map((p) => ({ text: p.task, sourceSegments: p.sourceSegments })),
    expected.map((e) => ({ text: e.task, sourceSegments: e.sourceSegments })),
  );
  let ownerTp = 0;
  let dueCorrect = 0;
  for (const [pi, ei] of pairs) {
    const p = predicted[pi];
    const e = expected[ei];
    if (!p || !e) continue;
    if ((p.owner ?? null) === (e.owner ?? null)) ownerTp++;
    if ((p.due ?? null) === (e.due ?? null)) dueCorrect++;
  }
  return {
    items: { tp: pairs.length, fp: predicted.length - pairs.length, fn: expected.length - pairs.length },
    ownerTp,
    dueCorrect,
  };
}

export function countDecisions(
  predicted: readonly Pick<ExtractedDecision, 'text' | 'sourceSegments'>[],
  expected: readonly ExpectedDecision[],
): Counts {
  const tp = matchPairs(predicted, expected).length;
  return { tp, fp: predicted.length - tp, fn: expected.length - tp };
}

export function prf(c: Counts): Prf {
  const precision = c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision: round(precision), recall: round(recall), f1: round(f1) };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export function figures(c: MeetingCounts): Figures {
  const ai = c.actionItems;
  const predicted = ai.items.tp + ai.items.fp;
  const expected = ai.items.tp + ai.items.fn;
  return {
    actionItems: prf(ai.items),
    // Owner-aware matching: a pair counts only with the right owner.
    owner: prf({ tp: ai.ownerTp, fp: predicted - ai.ownerTp, fn: expected - ai.ownerTp }),
    dueAccuracy: ai.items.tp === 0 ? 0 : round(ai.dueCorrect / ai.items.tp),
    decisions: prf(c.decisions),
  };
}

/** Sums counts over meetings (micro-average). */
export function sumCounts(all: readonly MeetingCounts[]): MeetingCounts {
  const z = (): Counts => ({ tp: 0, fp: 0, fn: 0 });
  const total: MeetingCounts = { actionItems: { items: z(), ownerTp: 0, dueCorrect: 0 }, decisions: z() };
  for (const c of all) {
    for (const k of ['tp', 'fp', 'fn'] as const) {
      total.actionItems.items[k] += c.actionItems.items[k];
      total.decisions[k] += c.decisions[k];
    }
    total.actionItems.ownerTp += c.actionItems.ownerTp;
    total.actionItems.dueCorrect += c.actionItems.dueCorrect;
  }
  return total;
}
