import type { Sentence } from './clauses.ts';
import { matchAt, pattern } from './match.ts';
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
const COORDINATORS = new Set(['and', 'but', 'or', 'so']);
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

/** Conditions that are politeness, not conditions: "if needed", "if that helps", "if you want". */
const COURTESY = [
  'needed|necessary|possible|required|useful|helpful',
  'you want|like|prefer|need',
  'that|it helps|works',
  'that|it is okay|ok|fine|useful|helpful',
  'everyone|everybody|people|anyone want|wants',
].map(pattern);

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
    // "it'd be great if you could …": the "if" belongs to the request itself.
    if (i >= trigger.head && i < trigger.verb) continue;
    // "check if …", "find out if …" embed a question; they are not conditions.
    if (EMBEDDING.has(words[i - 1] ?? '')) continue;
    // "I'll check the pump first, and if it still leaks I'll call the plumber": a condition that a
    // conjunction opens after this commitment governs the next clause, not this one.
    const opened = COORDINATORS.has(words[i - 1] ?? '');
    if (opened && i > trigger.verb) continue;
    const window = words.slice(i + 1, i + 6);
    if (window.some((w) => COUNTERFACTUAL.has(w) || (isPastTense(w) && w !== 'used')))
      return { drop: true, confidence: 0 };
    // "I'm happy to run it if the company covers lunch": an offer on a condition is not a commitment
    // yet ("if needed", "if that helps" are courtesies and do not count).
    const own = (i >= clauseStart && i < trigger.end) || (opened && i < clauseStart && clauseStart - i <= 8);
    if (own && trigger.kind === 'self' && !COURTESY.some((p) => matchAt(words, i + 1, p) > 0))
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
