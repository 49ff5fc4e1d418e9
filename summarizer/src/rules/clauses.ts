import {
  AUX,
  CLAUSE_OPENERS,
  CONJUNCTIONS,
  DETERMINERS,
  FILLERS,
  GROUP_VOCATIVES,
  LAUGHTER,
  LEADERS,
  MODALS,
  PREPOSITIONS,
  SUBJECT_PRONOUNS,
  SUBORDINATORS,
  WH_WORDS,
} from './lexicon.ts';
import { matchAt, pattern } from './match.ts';
import type { ParticipantIndex } from './names.ts';
import { canBeVerb, looksImperative, looksImperativeBefore } from './pos.ts';
import type { Token } from './tokens.ts';

// Splits an utterance into sentences and clauses. Punctuation helps when present, but ASR
// output has none, so clause starts are also found from syntax: a subject followed by an
// auxiliary ("i'll", "we need"), an inverted question ("can you"), a vocative name, "let's",
// or a discourse marker ("okay", "so").

export type Span = { start: number; end: number };
export type Sentence = Span & { question: boolean };
export type Clause = Span & { sentence: number; question: boolean };

const PERSONAL = new Set(['i', 'we', 'you', 'they', 'he', 'she']);
const ADVERBS_BEFORE_AUX = new Set([
  'also',
  'just',
  'really',
  'still',
  'then',
  'probably',
  'definitely',
  'actually',
  'already',
  'never',
  'totally',
  'all',
  'both',
  'honestly',
  'can',
]);
const INVERTING_AUX = new Set(['can', 'could', 'would', 'will', 'should', 'do', 'does', 'did', 'is', 'are', 'shall']);
const INVERTED_SUBJECTS = new Set(['you', 'we', 'i', 'they', 'there', 'it', 'he', 'she']);
/** Verbs whose complement clause stays attached ("make sure we …", "let me …", "ask whether …"). */
const BINDING_VERBS = new Set([
  'tell',
  'ask',
  'let',
  'make',
  'help',
  'want',
  'need',
  'see',
  'thank',
  'told',
  'asked',
  'sure',
  'ensure',
  // "any chance you could …"
  'chance',
]);
/** Verbs that report a clause to a listener: "tell them we …", "remind her they …". */
const REPORTING_VERBS = new Set(['tell', 'told', 'remind', 'warn', 'assure', 'inform', 'promise', 'show']);
const OBJECT_PRONOUNS = new Set(['them', 'him', 'her', 'us', 'me', 'you', 'everyone', 'everybody']);
const VOCATIVE_FOLLOWERS = new Set([
  'can',
  'could',
  'would',
  'will',
  'please',
  'why',
  'you',
  'i',
  'we',
  "let's",
  'that',
  'do',
]);

const VOLUNTEER_START = pattern('put|sign|count me down|up|in for');

/** Adverbs between a vocative and its imperative ("leo just file it", "carol also ping them"). */
const VOCATIVE_ADVERBS = new Set(['just', 'also', 'quickly', 'maybe', 'then']);
/** After a subject, these make it a new finite clause even right after an auxiliary ("nobody does, i'll …"). */
const FINITE_AFTER_SUBJECT = new Set(['will', 'would', 'shall', 'am']);

function isAuxAt(words: readonly string[], j: number): boolean {
  const w = words[j] ?? '';
  if (AUX.has(w)) return true;
  return ADVERBS_BEFORE_AUX.has(w) && AUX.has(words[j + 1] ?? '');
}

export function splitSentences(tokens: readonly Token[]): Sentence[] {
  const out: Sentence[] = [];
  let start = 0;
  tokens.forEach((t, i) => {
    if (/[.?!;]/.test(t.punct) || i === tokens.length - 1) {
      out.push({ start, end: i + 1, question: t.punct.includes('?') });
      start = i + 1;
    }
  });
  return out;
}

/** True when a clause can start at word j (ignoring what precedes). */
function startsClause(tokens: readonly Token[], words: readonly string[], j: number, names: ParticipantIndex): boolean {
  const w = words[j] ?? '';
  const next = words[j + 1] ?? '';
  if (CLAUSE_OPENERS.has(w)) return true;
  if (w === "let's" || (w === 'no' && next === 'need')) return true;
  // "… a week ahead put me down for the pre-read": volunteering opens its own clause.
  if (matchAt(words, j, VOLUNTEER_START) > 0) return true;
  const name = names.matchAt(tokens, j);
  if (name) {
    // "… leo just file a ticket": adverbs may sit between the name and the imperative.
    const skip = VOCATIVE_ADVERBS.has(words[j + name.len] ?? '') ? 1 : 0;
    const after = words[j + name.len + skip] ?? '';
    const imperative =
      looksImperativeBefore(after, words[j + name.len + skip + 1] ?? '') && !AUX.has(after) && !PREPOSITIONS.has(after);
    return VOCATIVE_FOLLOWERS.has(after) || isAuxAt(words, j + name.len) || imperative;
  }
  if (SUBJECT_PRONOUNS.has(w)) {
    if (isAuxAt(words, j + 1)) return true;
    return PERSONAL.has(w) && canBeVerb(next) && !DETERMINERS.has(next);
  }
  if (WH_WORDS.has(w)) return isAuxAt(words, j + 1) || AUX.has(next);
  // "do it" is a verb and its object ("i'll just do it"), never an inverted question.
  if (INVERTING_AUX.has(w) && INVERTED_SUBJECTS.has(next)) return !(w === 'do' && next === 'it');
  if (w === 'please') return true;
  return false;
}

/** ", and send me the abstract": a coordinated verb phrase after a comma is its own clause. */
function startsCoordinatedVerb(tokens: readonly Token[], words: readonly string[], j: number): boolean {
  if (words[j] !== 'and' || !looksImperative(words[j + 1] ?? '') || AUX.has(words[j + 1] ?? '')) return false;
  if (/,/.test(tokens[j - 1]?.punct ?? '')) return true;
  // Unpunctuated "submit it and send me the abstract": a finished object pronoun, then a verb with its own object.
  const prev = words[j - 1] ?? '';
  const obj = words[j + 2] ?? '';
  return (
    ['it', 'them'].includes(prev) &&
    (DETERMINERS.has(obj) || ['me', 'us', 'him', 'her', 'them', 'it'].includes(obj)) &&
    canBeVerb(words[j - 2] ?? '')
  );
}

function isPreamble(
  tokens: readonly Token[],
  words: readonly string[],
  start: number,
  end: number,
  names: ParticipantIndex,
): boolean {
  for (let i = start; i < end; i++) {
    const w = words[i] ?? '';
    if (LEADERS.has(w) || FILLERS.has(w) || LAUGHTER.has(w) || GROUP_VOCATIVES.has(w)) continue;
    const name = names.matchAt(tokens, i);
    if (!name) return false;
    i += name.len - 1;
  }
  return true;
}

/** True when the word before a candidate start binds it into the current clause. */
function binds(prev: string, cur: string, next: string): boolean {
  if (PREPOSITIONS.has(prev) || DETERMINERS.has(prev) || BINDING_VERBS.has(prev) || prev === "let's") return true;
  if (SUBORDINATORS.has(prev)) return true;
  if (MODALS.has(prev) || AUX.has(prev)) {
    // "i know nobody does i'll do a spike": an inverted question never has a modal after its subject.
    if (SUBJECT_PRONOUNS.has(cur) && FINITE_AFTER_SUBJECT.has(next)) return false;
    return !(cur === 'please' || cur === "let's" || CLAUSE_OPENERS.has(cur));
  }
  if (prev === 'you' && cur === 'please') return true;
  if (SUBJECT_PRONOUNS.has(prev) && INVERTING_AUX.has(cur)) return true;
  if (WH_WORDS.has(prev)) return true;
  // "why don't you …"
  if (prev === 'not' && SUBJECT_PRONOUNS.has(cur)) return true;
  return false;
}

export function splitClauses(tokens: readonly Token[], names: ParticipantIndex): Clause[] {
  const words = tokens.map((t) => t.norm);
  const clauses: Clause[] = [];
  splitSentences(tokens).forEach((s, si) => {
    let start = s.start;
    for (let j = s.start + 1; j < s.end; j++) {
      const prevTok = tokens[j - 1];
      if (!prevTok) continue;
      if (startsCoordinatedVerb(tokens, words, j)) {
        clauses.push({ start, end: j, sentence: si, question: false });
        start = j;
        continue;
      }
      if (!startsClause(tokens, words, j, names)) continue;
      // "Okay, Carol, can you …": a preamble of discourse markers and names stays with its clause.
      if (isPreamble(tokens, words, start, j, names)) continue;
      const hardPunct = /[,:]/.test(prevTok.punct);
      const prev = prevTok.norm;
      if (!hardPunct && binds(prev, words[j] ?? '', words[j + 1] ?? '')) continue;
      // "tell them we'll take it up in June": a clause reported to someone stays with its verb.
      if (!hardPunct && OBJECT_PRONOUNS.has(prev) && REPORTING_VERBS.has(words[j - 2] ?? '')) continue;
      // "… and we're done": the conjunction opens the new clause.
      let cut = j;
      if (!hardPunct && CONJUNCTIONS.has(prev) && j - 1 > start) cut = j - 1;
      if (cut > start) {
        clauses.push({ start, end: cut, sentence: si, question: false });
        start = cut;
      }
    }
    clauses.push({ start, end: s.end, sentence: si, question: s.question });
  });
  return clauses;
}
