import type { Sentence } from './clauses.ts';
import { isPastTense } from './pos.ts';
import type { Trigger } from './triggers.ts';

// How sure a commitment is: hedges and open conditions lower it; counterfactuals ("if we had
// more time we could …") and jokes remove it.

const HEDGE_WORDS = new Set(['maybe', 'perhaps', 'probably', 'possibly']);
const HEDGE_PAIRS = [
  ['i', 'think'],
  ['i', 'guess'],
  ['i', 'suppose'],
];
const CONDITIONALS = new Set(['if', 'unless', 'assuming', 'provided']);
const COUNTERFACTUAL = new Set(['had', 'were', 'was', 'did', 'could', 'would', 'knew', 'needed', 'wanted']);

const EMBEDDING = new Set([
  'check',
  'see',
  'ask',
  'know',
  'wonder',
  'confirm',
  'out',
  'verify',
  'sure',
  'asking',
  'checking',
]);

export type Modality = { drop: boolean; confidence: number };

export function assess(
  words: readonly string[],
  trigger: Trigger,
  sentence: Sentence,
  laughter: boolean,
  clauseStart: number,
): Modality {
  if (laughter) return { drop: true, confidence: 0 };
  let c = trigger.strength;
  // Conditions anywhere in the sentence.
  for (let i = sentence.start; i < sentence.end; i++) {
    if (!CONDITIONALS.has(words[i] ?? '')) continue;
    // "check if …", "find out if …" embed a question; they are not conditions.
    if (EMBEDDING.has(words[i - 1] ?? '')) continue;
    const window = words.slice(i + 1, i + 6);
    if (window.some((w) => COUNTERFACTUAL.has(w) || (isPastTense(w) && w !== 'used')))
      return { drop: true, confidence: 0 };
    c -= 0.25;
    break;
  }
  const lead = words.slice(Math.max(sentence.start, clauseStart - 3), trigger.end);
  if (trigger.hedged || lead.some((w) => HEDGE_WORDS.has(w))) c -= 0.15;
  if (HEDGE_PAIRS.some(([a, b]) => lead.some((w, k) => w === a && lead[k + 1] === b))) c -= 0.1;
  if (sentence.question && !trigger.addressed && (trigger.kind === 'self' || trigger.kind === 'group')) c -= 0.2;
  return { drop: false, confidence: Math.max(0.05, Math.min(0.99, c)) };
}
