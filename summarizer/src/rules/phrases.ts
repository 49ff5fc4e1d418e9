import {
  AUX,
  CONJUNCTIONS,
  DETERMINERS,
  FILLERS,
  META_NOUNS,
  MODALS,
  MONTHS,
  PREPOSITIONS,
  STOPWORDS,
  SUBJECT_PRONOUNS,
  SUBORDINATORS,
  TIME_WORDS,
  WEEKDAYS,
  WH_WORDS,
} from './lexicon.ts';
import { canBeVerb } from './pos.ts';
import { render, type Token } from './tokens.ts';

// A small noun-phrase chunker for reference resolution: determiner- or possessive-led phrases
// ("the CSV export", "our co-marketing brief", "the forecast deck for the leadership sync").

export type NounPhrase = { start: number; end: number; text: string };

const STARTERS = new Set([...DETERMINERS].filter((w) => w !== 'no' && w !== 'any'));
const BREAKERS = new Set([
  ...AUX,
  ...MODALS,
  ...PREPOSITIONS,
  ...CONJUNCTIONS,
  ...SUBJECT_PRONOUNS,
  ...DETERMINERS,
  ...WH_WORDS,
  ...SUBORDINATORS,
  ...FILLERS,
  'me',
  'him',
  'them',
  'us',
  'so',
  'then',
  'too',
  'right',
  'please',
  'not',
  'today',
  'tomorrow',
  'yesterday',
  'tonight',
  'now',
  'directly',
  'again',
  'also',
  'just',
  'anyway',
]);
/** Objects of these prepositions are places and settings, rarely what "it" refers to. */
const LOCATIVE = new Set(['in', 'into', 'on', 'at', 'from', 'within', 'inside', 'under', 'onto']);
const ANAPHORS = new Set(['it', 'that', 'this', 'them', 'one', 'those', 'these']);

function isStarter(words: readonly string[], i: number): boolean {
  const w = words[i] ?? '';
  if (w.endsWith("'s") && w.length > 2) return true;
  if (!STARTERS.has(w)) return false;
  const next = words[i + 1] ?? '';
  if (w === 'that' || w === 'this' || w === 'these' || w === 'those') {
    // "that runbook" is a phrase; "that is", "that one" are not.
    return !!next && !BREAKERS.has(next) && !ANAPHORS.has(next) && !isThirdPersonVerb(next);
  }
  return !!next && !BREAKERS.has(next);
}

/** "that works", "this sounds good": a verb after the demonstrative, not a noun. */
function isThirdPersonVerb(w: string): boolean {
  return /[^s]s$/.test(w) && (canBeVerb(w) || canBeVerb(w.slice(0, -1)));
}

/** Extends a phrase from `start`; returns its end (exclusive). */
function extend(tokens: readonly Token[], words: readonly string[], start: number, limit: number): number {
  let j = start + 1;
  while (j < limit && j - start < 7) {
    const w = words[j] ?? '';
    if (BREAKERS.has(w) || ANAPHORS.has(w) || MONTHS.includes(w) || WEEKDAYS.includes(w)) break;
    // "the CFP closes February sixth": a verb, unless it ends the phrase ("the login tests are …").
    const next = words[j + 1] ?? '';
    if (
      j > start + 1 &&
      isThirdPersonVerb(w) &&
      next &&
      !BREAKERS.has(next) &&
      !/[,.;:?!]/.test(tokens[j]?.punct ?? '')
    )
      break;
    j++;
    if (/[,.;:?!]/.test(tokens[j - 1]?.punct ?? '')) break;
  }
  return j;
}

export function nounPhrases(tokens: readonly Token[], from = 0, to = tokens.length): NounPhrase[] {
  const words = tokens.map((t) => t.norm);
  const out: NounPhrase[] = [];
  for (let i = from; i < to; i++) {
    if (!isStarter(words, i)) continue;
    let end = extend(tokens, words, i, to);
    if (end === i + 1 && !words[i]?.endsWith("'s")) continue;
    // One prepositional attachment: "the forecast deck for the leadership sync".
    const prep = words[end] ?? '';
    if (
      (prep === 'of' || prep === 'for') &&
      !/[,.;:?!]/.test(tokens[end - 1]?.punct ?? '') &&
      isStarter(words, end + 1)
    ) {
      end = extend(tokens, words, end + 1, to);
    }
    const before = words[i - 1] ?? '';
    const predicate = (words[i] === 'a' || words[i] === 'an') && ['is', 'are', 'was', 'were', 'be'].includes(before);
    const locative = LOCATIVE.has(before);
    if (!predicate && !locative) out.push({ start: i, end, text: render(tokens, i, end) });
    i = end - 1;
  }
  return out;
}

/** A phrase worth pointing back to: has a content head that is not time or meeting talk. */
export function isReferable(text: string): boolean {
  const words = text.toLowerCase().split(/\s+/);
  const head = words[words.length - 1] ?? '';
  if (TIME_WORDS.has(head) || META_NOUNS.has(head)) return false;
  return words.some((w) => !STOPWORDS.has(w) && !TIME_WORDS.has(w) && /[a-z]/.test(w));
}

/** Has a word that is neither a stopword nor a time word ("a volunteer day", not "next week"). */
export function hasContent(text: string): boolean {
  return text
    .toLowerCase()
    .split(/\s+/)
    .some((w) => !STOPWORDS.has(w) && !TIME_WORDS.has(w) && /[a-z]/.test(w));
}

export { ANAPHORS };
