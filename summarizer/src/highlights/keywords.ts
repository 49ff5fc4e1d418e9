import { FILLERS, LAUGHTER, STOPWORDS, TIME_WORDS } from '../rules/lexicon.ts';
import { tokensOf } from './text.ts';
import type { Unit } from './types.ts';

/** Talk words that are frequent in any presentation and say nothing about its topic. */
const TALK_WORDS = new Set(
  (
    'good great nice new today everyone everybody thanks thank welcome hello know think mean kind sort lot say said ' +
    'see look way want like well yeah okay right first next last little big many much every whole better best ' +
    "i'm i'll we'll you're it's that's there's don't can't won't let's"
  )
    .split(' ')
    .filter(Boolean),
);

export function isContentWord(word: string): boolean {
  return (
    word.length >= 3 &&
    /\p{L}/u.test(word) &&
    !STOPWORDS.has(word) &&
    !FILLERS.has(word) &&
    !LAUGHTER.has(word) &&
    !TIME_WORDS.has(word) &&
    !TALK_WORDS.has(word)
  );
}

export type KeywordIndex = {
  /** 0..1 per content word that the talk keeps coming back to. */
  weight: ReadonlyMap<string, number>;
  /** Per unit: its tokens, and the sum of their keyword weights. */
  tokens: string[][];
  sums: number[];
};

/**
 * TF-IDF over the talk, units as documents: a word scores by how often the whole talk uses it
 * (log tf, tf >= 2) times how specific it is (log of units over units that use it), so topic words
 * ("product", "launch") win over words every sentence has.
 */
export function keywordIndex(units: readonly Unit[]): KeywordIndex {
  const tokens = units.map((u) => tokensOf(u.text));
  const tf = new Map<string, number>();
  const df = new Map<string, number>();
  for (const ts of tokens) {
    for (const t of ts) if (isContentWord(t)) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const t of new Set(ts)) if (isContentWord(t)) df.set(t, (df.get(t) ?? 0) + 1);
  }
  const n = Math.max(1, units.length);
  const raw = new Map<string, number>();
  for (const [w, f] of tf) {
    if (f < 2) continue;
    raw.set(w, Math.log(1 + f) * Math.log(1 + n / (df.get(w) ?? 1)));
  }
  let max = 0;
  for (const r of raw.values()) max = Math.max(max, r);
  const weight = new Map<string, number>();
  if (max > 0) for (const [w, r] of raw) weight.set(w, r / max);
  const sums = tokens.map((ts) => ts.reduce((s, t) => s + (weight.get(t) ?? 0), 0));
  return { weight, tokens, sums };
}

/** The strongest keywords of units first..last: weight times uses in the window, ties alphabetical. */
export function topKeywords(index: KeywordIndex, first: number, last: number, n = 3): string[] {
  const score = new Map<string, number>();
  for (let i = first; i <= last; i++) {
    for (const t of index.tokens[i] ?? []) {
      const w = index.weight.get(t);
      if (w) score.set(t, (score.get(t) ?? 0) + w);
    }
  }
  return [...score.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([w]) => w);
}
