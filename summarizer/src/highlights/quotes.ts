import { AppError } from '@mi/contracts';
import { asrNormalise } from '../rules/asr.ts';
import { tokensOf } from './text.ts';
import type { TimedWord } from './types.ts';

/** A normalised token of the transcript and the word it belongs to ("2024" gives three). */
export type QuoteToken = { norm: string; word: number };

/** Found quote: first and last token index, and 0..1 similarity. */
export type QuoteMatch = { first: number; last: number; similarity: number };

export function quoteTokens(words: readonly TimedWord[]): QuoteToken[] {
  const out: QuoteToken[] = [];
  for (const [i, w] of words.entries()) {
    const text = /[^a-z' ]/i.test(w.word) ? asrNormalise(w.word) : w.word;
    for (const norm of tokensOf(text)) out.push({ norm, word: i });
  }
  return out;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(sub, (prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** 0 for the same word, small for a near miss ("send"/"sent", "colour"/"color"), 1 for another word. */
function substitution(a: string, b: string): number {
  if (a === b) return 0;
  return Math.min(1, (1.5 * editDistance(a, b)) / Math.max(a.length, b.length));
}

/** Quotes of one or two words must match nearly exactly; longer ones may have a few ASR slips. */
const minSimilarity = (tokens: number) => (tokens <= 2 ? 0.75 : 0.6);

/**
 * Best approximate occurrence of `quote` in tokens[from..]: semi-global alignment of the quote's
 * tokens against the transcript (free start and end in the transcript, unit cost for a missing or
 * extra word, graded cost for a misheard one), similarity = 1 - cost / quote length. Ties go to the
 * earliest occurrence; `minLast` rejects occurrences ending before that token. O(quote × transcript).
 */
export function matchQuote(tokens: readonly QuoteToken[], quote: string, from = 0, minLast = 0): QuoteMatch | null {
  const q = tokensOf(asrNormalise(quote));
  const k = q.length;
  if (!k) return null;
  const subCache = q.map(() => new Map<string, number>());
  const sub = (i: number, t: string) => {
    const cache = subCache[i] as Map<string, number>;
    let c = cache.get(t);
    if (c === undefined) {
      c = substitution(q[i] ?? '', t);
      cache.set(t, c);
    }
    return c;
  };
  // One column per transcript token: cost and start token of the best alignment of q[0..i).
  let cost = Float64Array.from({ length: k + 1 }, (_, i) => i);
  let start = new Int32Array(k + 1).fill(from);
  let best: QuoteMatch | null = null;
  for (let j = from; j < tokens.length; j++) {
    const t = tokens[j]?.norm ?? '';
    const nextCost = new Float64Array(k + 1);
    const nextStart = new Int32Array(k + 1);
    nextStart[0] = j + 1;
    for (let i = 1; i <= k; i++) {
      const diag = (cost[i - 1] ?? 0) + sub(i - 1, t);
      const up = (nextCost[i - 1] ?? 0) + 1;
      const left = (cost[i] ?? 0) + 1;
      if (diag <= up && diag <= left) {
        nextCost[i] = diag;
        nextStart[i] = i === 1 ? j : (start[i - 1] ?? j);
      } else if (up <= left) {
        nextCost[i] = up;
        nextStart[i] = nextStart[i - 1] ?? j;
      } else {
        nextCost[i] = left;
        nextStart[i] = start[i] ?? j;
      }
    }
    cost = nextCost;
    start = nextStart;
    const similarity = 1 - (cost[k] ?? k) / k;
    if (j >= minLast && similarity >= minSimilarity(k) && (!best || similarity > best.similarity + 1e-9)) {
      best = { first: Math.min(start[k] ?? j, j), last: j, similarity };
    }
  }
  return best;
}

const shown = (quote: string) => (quote.length > 80 ? `${quote.slice(0, 77)}...` : quote);

/**
 * Source times of the words from `startQuote` to `endQuote`; the end quote must end at or after
 * the start quote's last word. Throws ERR_QUOTE_NOT_FOUND.
 */
export function quoteRange(
  words: readonly TimedWord[],
  tokens: readonly QuoteToken[],
  startQuote: string,
  endQuote: string,
): { start: number; end: number } {
  const s = matchQuote(tokens, startQuote);
  if (!s) throw new AppError('ERR_QUOTE_NOT_FOUND', `quote "${shown(startQuote)}" not found in the transcript`);
  const e = matchQuote(tokens, endQuote, s.first, s.last);
  if (!e) {
    throw new AppError(
      'ERR_QUOTE_NOT_FOUND',
      `quote "${shown(endQuote)}" not found in the transcript after "${shown(startQuote)}"`,
    );
  }
  const first = words[tokens[s.first]?.word ?? 0];
  const last = words[tokens[e.last]?.word ?? 0];
  if (!first || !last) throw new AppError('ERR_QUOTE_NOT_FOUND', `quote "${shown(startQuote)}" not found`);
  return { start: first.start, end: last.end };
}
