import type { SegmentFacts } from './analyse.ts';
import { FILLERS, LAUGHTER, LEADERS } from './lexicon.ts';
import { contentWords } from './task.ts';
import { renderIndices, type Token } from './tokens.ts';
import type { BulletCandidate, Segment, SummaryBullet } from './types.ts';

// Rolling extractive summary: every sentence gets an informativeness score (content words,
// decisions, commitments, figures; questions and jokes count less); the best few are shown
// in meeting order. Only the top candidates are kept, so state stays small in long meetings.

const KEEP = 40;
const MAX_WORDS = 35;
const MIN_CONTENT = 4;
const NOISE_PAIRS = [
  ['you', 'know'],
  ['i', 'mean'],
  ['kind', 'of'],
  ['sort', 'of'],
];

/** Sentence text without fillers, stutters and leading discourse markers. */
export function cleanSentence(tokens: readonly Token[], start: number, end: number): string {
  const keep: number[] = [];
  for (let i = start; i < end; i++) {
    const w = tokens[i]?.norm ?? '';
    if (FILLERS.has(w) || LAUGHTER.has(w)) continue;
    if (NOISE_PAIRS.some(([a, b]) => (w === a && tokens[i + 1]?.norm === b) || (w === b && tokens[i - 1]?.norm === a)))
      continue;
    if (keep.length === 0 && LEADERS.has(w)) continue;
    const prev = keep[keep.length - 1];
    // "I, um, I didn't" → "I didn't"
    if (prev !== undefined && tokens[prev]?.norm === w && tokens[prev]?.raw !== '') continue;
    keep.push(i);
  }
  const limited = keep.length > MAX_WORDS ? keep.slice(0, MAX_WORDS) : keep;
  let text = renderIndices(tokens, limited).replace(/[,;:]$/, '');
  if (!text) return '';
  text = text[0]?.toUpperCase() + text.slice(1);
  return keep.length > MAX_WORDS ? `${text}…` : /[.?!]$/.test(text) ? text : `${text}.`;
}

export function bulletCandidates(seg: Segment, facts: SegmentFacts, order: number): BulletCandidate[] {
  const out: BulletCandidate[] = [];
  facts.sentences.forEach((s, si) => {
    const words = facts.tokens.slice(s.start, s.end).map((t) => t.norm);
    const content = new Set(contentWords(words)).size;
    if (content < MIN_CONTENT) return;
    const text = cleanSentence(facts.tokens, s.start, s.end);
    if (!text) return;
    const hasItem = facts.candidates.some((c) => !c.latent && facts.clauses[c.clause]?.sentence === si);
    const hasDecision = facts.decision?.sentence === si;
    let score = Math.min(content, 14) / 14;
    if (hasDecision) score += 0.6;
    if (hasItem) score += 0.4;
    if (words.some((w) => /\d|dollar|percent|thousand/.test(w))) score += 0.1;
    if (s.question) score -= 0.3;
    if (words.some((w) => LAUGHTER.has(w))) score -= 0.5;
    out.push({
      id: `sb-${seg.id}-${si}`,
      text,
      score: Math.round(score * 1000) / 1000,
      order: order * 100 + si,
      sourceSegments: [seg.id],
    });
  });
  return out;
}

/** Adds candidates, keeping only the best KEEP (highest score, earliest first on ties). */
export function keepBest(pool: BulletCandidate[], added: readonly BulletCandidate[]): BulletCandidate[] {
  return [...pool, ...added].sort((a, b) => b.score - a.score || a.order - b.order).slice(0, KEEP);
}

export function selectBullets(pool: readonly BulletCandidate[], max: number): SummaryBullet[] {
  return [...pool]
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, Math.max(0, max))
    .sort((a, b) => a.order - b.order)
    .map(({ id, text, sourceSegments }) => ({ id, text, sourceSegments: [...sourceSegments] }));
}
