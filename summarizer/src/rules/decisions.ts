import type { Clause, Sentence } from './clauses.ts';
import type { ClauseHead } from './head.ts';
import { AUX, DETERMINERS, FILLERS, LEADERS, STOPWORDS, SUBJECT_PRONOUNS, WH_WORDS } from './lexicon.ts';
import { findPattern, matchAny, matchAt, type Pattern, pattern } from './match.ts';
import { canBeVerb, isAdjective, isGerund, isPastTense } from './pos.ts';
import { contentWords } from './task.ts';
import { renderIndices, type Token } from './tokens.ts';
import type { DecisionHint } from './triggers.ts';

// Decisions are explicit agreements ("we agreed to …", "the decision is …", "let's go with …")
// or group conclusions ("okay, then we ship on Monday"). Open proposals and questions are not.

export type DecisionKind = 'explicit' | 'lets' | 'conclusion' | 'agreement';

export type DecisionFinding = {
  kind: DecisionKind;
  strength: number;
  /** Decision text; empty when the cue carried no content ("let's do it"). */
  text: string;
  sentence: number;
};

const EXPLICIT = [
  'we have? decided',
  'we have agreed',
  'we agreed',
  'we are all? agreed',
  'we all agree|agreed',
  'so we agree',
  'we agree',
  'it|that is decided',
  'it|that is settled',
  'the? decision is',
  'that|this is the|our new? decision|plan|call|rule|policy|process',
  'here is the call|decision|plan',
  'the call is',
  'final decision',
  'final answer',
  'we are going with',
  'we will go with',
  'we are going to go with',
  'we will stick with',
  'we are sticking with',
  'consensus is',
  'the plan is to|that',
  'decision made',
  'it|that is agreed',
  'we are all? aligned',
  'that is final',
  'full stop',
  'make|makes it|that|this official',
  'it is official',
  'is locked in?',
  'locked in',
  'set in stone',
  'no exceptions',
].map(pattern);
/** Cue words that say "decided" without saying what. */
const META = new Set([
  'agreed',
  'agree',
  'decided',
  'decide',
  'decision',
  'official',
  'final',
  'settled',
  'locked',
  'call',
  'plan',
  'consensus',
  'exec',
  'team',
  'everyone',
  'stop',
  'full',
]);
const NEGATING = new Set(['not', 'never', 'need', 'to', 'yet', 'if', 'should', 'whether']);
const DEONTIC = [pattern('has|have|need|needs to'), pattern('must'), pattern('will'), pattern('is|are going to')];
const WRAP_UP = new Set(['done', 'finished', 'good', 'set', 'all', 'wrapped', 'out', 'through', 'over']);
const UNDECIDED_VERBS = new Set(['see', 'talk', 'decide', 'discuss', 'think', 'revisit', 'figure']);

export type DecisionInput = {
  tokens: readonly Token[];
  sentences: readonly Sentence[];
  clauses: readonly Clause[];
  heads: readonly ClauseHead[];
  hints: readonly { clause: number; hint: DecisionHint }[];
  /** Clauses that hold a commitment by a person (they are not group conclusions). */
  personalClauses: ReadonlySet<number>;
};

function isQuestion(s: Sentence, words: readonly string[]): boolean {
  return (
    s.question ||
    ['should', 'could', 'can', 'do', 'are', 'is', 'shall'].includes(words[firstContent(words, s.start, s.end)] ?? '')
  );
}

function firstContent(words: readonly string[], start: number, end: number, keepThen = false): number {
  let i = start;
  while (i < end && (LEADERS.has(words[i] ?? '') || FILLERS.has(words[i] ?? '')) && !(keepThen && words[i] === 'then'))
    i++;
  return i;
}

/** Text of words[start, end) without leading discourse markers and fillers. */
function textOf(tokens: readonly Token[], start: number, end: number): string {
  const words = tokens.map((t) => t.norm);
  let s = firstContent(words, start, end);
  while (s < end && ['then', 'that', 'to', 'on', 'is', 'it', 'and', 'so'].includes(words[s] ?? '')) s++;
  const keep: number[] = [];
  for (let i = s; i < end; i++) if (!FILLERS.has(words[i] ?? '')) keep.push(i);
  return renderIndices(tokens, keep)
    .replace(/[.?!]+$/, '')
    .replace(/[\s,]+(and|but|so|or)$/i, '');
}

/** Content words that say what was decided; contractions count as their host ("we're" is "we"). */
const informative = (text: string) =>
  contentWords(
    text
      .toLowerCase()
      .split(/\s+/)
      .map((w) => w.replace(/^([a-z]+)'(re|ll|ve|d|m|s)$/, '$1').replace(/[.,;:?!]+$/, '')),
  ).filter((w) => !META.has(w)).length;

function explicitIn(words: readonly string[], s: Sentence): { at: number; len: number } | null {
  for (const p of EXPLICIT) {
    const m = findPattern(words, s.start, s.end, p);
    if (!m) continue;
    const before = words.slice(Math.max(s.start, m.at - 2), m.at);
    if (before.some((w) => NEGATING.has(w)) && !(words[m.at] === 'full' || words[m.at] === 'that')) continue;
    return m;
  }
  // "wizard it is", ASR "okay eighteen months it is twenty four goes in the appendix": a short
  // noun phrase opening the sentence, then "it is" with no complement of its own.
  const np = firstContent(words, s.start, s.end);
  for (let p = np + 1; p <= Math.min(np + 4, s.end - 2); p++) {
    if (words[p] !== 'it' || words[p + 1] !== 'is') continue;
    const phrase = words.slice(np, p);
    if (phrase.some((w) => NOT_IN_CHOICE.has(w)) || informative(phrase.join(' ')) === 0) break;
    const next = words[p + 2] ?? '';
    // "ops says it's already ordered": "it is" with a complement is a statement, not a choice.
    const complement =
      DETERMINERS.has(next) ||
      WH_WORDS.has(next) ||
      ['not', 'already', 'just', 'still', 'really', 'also', 'done', 'so', 'too', 'very'].includes(next) ||
      isPastTense(next) ||
      isAdjective(next) ||
      isGerund(next);
    if (p + 2 < s.end && complement) break;
    if (phrase.some((w) => /[^s]s$/.test(w) && canBeVerb(w.slice(0, -1)) && canBeVerb(w))) break;
    return { at: p, len: 2 };
  }
  return null;
}

/** Words that cannot be part of the chosen option in "<option> it is" ("how hard it is", "that is how it is"). */
const NOT_IN_CHOICE = new Set([
  ...AUX,
  ...WH_WORDS,
  'i',
  'we',
  'you',
  'they',
  'he',
  'she',
  'it',
  'not',
  'if',
  'whether',
]);

function hasDeontic(words: readonly string[], start: number, end: number): boolean {
  if (words.slice(start, end).includes('not')) return false;
  for (let i = start; i < end; i++) {
    if (DEONTIC.some((p: Pattern) => matchAt(words, i, p) > 0)) return true;
  }
  return false;
}

export function findDecisions(input: DecisionInput): DecisionFinding[] {
  const { tokens, sentences } = input;
  const words = tokens.map((t) => t.norm);
  const out: DecisionFinding[] = [];
  sentences.forEach((s, si) => {
    const conditional = words.slice(s.start, s.end).some((w) => w === 'if' || w === 'whether');
    const m = explicitIn(words, s);
    if (m && !isQuestion(s, words)) {
      const after = textOf(tokens, m.at + m.len, s.end);
      const before = textOf(tokens, s.start, m.at);
      const choice = words[m.at] === 'it' && words[m.at + 1] === 'is' && m.len === 2;
      const text = choice
        ? [`${before} it is`, informative(after) >= 2 ? after : ''].filter(Boolean).join(', ')
        : informative(after) >= 2
          ? after
          : informative(before) >= 1
            ? `${before} ${words[m.at] === 'is' ? words.slice(m.at, m.at + m.len).join(' ') : ''}`.trim()
            : '';
      out.push({ kind: 'explicit', strength: 0.9, text, sentence: si });
      return;
    }
    // "The dashboard is priority one. Anyone disagree?" puts a statement to the room as settled.
    const call = objectionCall(words, s);
    if (call) {
      const here = call.at - firstContent(words, s.start, call.at);
      const prev = sentences[si - 1];
      if (here >= 3 && !conditional && !personalIn(input, si)) {
        const text = textOf(tokens, s.start, call.at);
        if (informative(text) >= 2) {
          out.push({ kind: 'explicit', strength: 0.75, text, sentence: si });
          return;
        }
      } else if (prev && !prev.question && !personalIn(input, si - 1)) {
        const text = textOf(tokens, prev.start, prev.end);
        if (informative(text) >= 2 && !words.slice(prev.start, prev.end).some((w) => w === 'if' || w === 'whether')) {
          out.push({ kind: 'explicit', strength: 0.75, text, sentence: si - 1 });
          return;
        }
      }
    }
    if (isQuestion(s, words) || conditional) return;
    for (const { clause, hint } of input.hints) {
      const c = input.clauses[clause];
      if (!c || c.sentence !== si) continue;
      let text = textOf(tokens, hint.verb, hint.end);
      text = text.replace(/^do (that|it|this)\b,?\s*/i, '');
      out.push({ kind: 'lets', strength: hint.strength, text: informative(text) >= 1 ? text : '', sentence: si });
      return;
    }
    const head = firstContent(words, s.start, s.end, true);
    // "agreed, the clause has to come out": agreement plus an obligation.
    const agreedAt = words[head] === 'then' ? -1 : words.indexOf('agreed', head);
    if (agreedAt === head && hasDeontic(words, head + 1, s.end)) {
      out.push({ kind: 'agreement', strength: 0.6, text: textOf(tokens, head + 1, s.end), sentence: si });
      return;
    }
    // "Company covers lunch, done, up to two thousand dollars": a statement ratified on the spot.
    const ratified = ratifiedAt(tokens, words, s);
    if (ratified > 0 && !personalIn(input, si)) {
      const before = textOf(tokens, s.start, ratified);
      const after = textOf(tokens, ratified + 1, s.end);
      if (informative(before) >= 2) {
        const text = informative(after) >= 1 ? `${before}, ${after}` : before;
        out.push({ kind: 'explicit', strength: 0.7, text, sentence: si });
        return;
      }
    }
    // A choice between options: "we're asking for five percent, not three", "we'll use Postgres rather than Mongo".
    for (const c of input.clauses) {
      if (c.sentence !== si) continue;
      const h = firstContent(words, c.start, c.end);
      if (words[h] !== 'we' || !['are', 'will'].includes(words[h + 1] ?? '')) continue;
      if (words[h + 2] === 'not' || !contrasted(words, h + 2, c.end)) continue;
      const text = textOf(tokens, h, c.end);
      if (informative(text) >= 2) {
        out.push({ kind: 'conclusion', strength: 0.7, text, sentence: si });
        return;
      }
    }
    // Group conclusions: "then we ship the hotfix tomorrow", "the demo moves to Tuesday then".
    input.clauses.forEach((c, ci) => {
      if (c.sentence !== si || input.personalClauses.has(ci)) return;
      const h = firstContent(words, c.start, c.end, true);
      const thenFirst = words[h] === 'then' && (words[h + 1] === 'we' || nounSubject(words, h + 1, c.end));
      const thenLast = words[c.end - 1] === 'then' && c.end - h >= 4 && !['i', 'you', 'then'].includes(words[h] ?? '');
      if (!(thenFirst || thenLast) || words.slice(h, c.end).some((w) => UNDECIDED_VERBS.has(w))) return;
      // "then we're done for today" closes the meeting.
      if (words[h + 1] === 'we' && ['are', 'will'].includes(words[h + 2] ?? '') && WRAP_UP.has(words[h + 3] ?? ''))
        return;
      const text = textOf(tokens, thenFirst ? h + 1 : h, thenLast ? c.end - 1 : c.end);
      if (informative(text) >= 2) out.push({ kind: 'conclusion', strength: 0.65, text, sentence: si });
    });
  });
  return out;
}

/** Words before "done" that make it a state ("it's done", "get it done", "all done"), not a ratification. */
const DONE_STATES = new Set([
  ...AUX,
  ...SUBJECT_PRONOUNS,
  'get',
  'gets',
  'getting',
  'it',
  'them',
  'all',
  'half',
  'well',
  'almost',
  'nearly',
  'mostly',
  'already',
  'just',
  'not',
  'never',
  'me',
  'us',
]);

/** Position of a ratifying "done"/"deal"/"approved" after a present-tense statement, or -1. */
function ratifiedAt(tokens: readonly Token[], words: readonly string[], s: Sentence): number {
  const first = firstContent(words, s.start, s.end);
  for (let k = first + 2; k < s.end; k++) {
    if (!['done', 'deal', 'approved'].includes(words[k] ?? '')) continue;
    const prev = words[k - 1] ?? '';
    if (DONE_STATES.has(prev) || words.slice(first, k).some((w) => ['get', 'got', 'have', 'had', 'if'].includes(w)))
      return -1;
    // Punctuated text sets it off ("lunch, done,"); ASR needs a finite verb before it.
    const setOff = /,/.test(tokens[k - 1]?.punct ?? '');
    const finite = words
      .slice(first, k)
      .some((w) => ['is', 'are', 'will'].includes(w) || (/[^s]s$/.test(w) && canBeVerb(w.slice(0, -1))));
    return setOff || finite ? k : -1;
  }
  return -1;
}

/** "…, not three", "… rather than the old one", "… instead of a webinar": one option over another. */
function contrasted(words: readonly string[], from: number, end: number): boolean {
  for (let i = from + 2; i < end; i++) {
    const w = words[i] ?? '';
    if ((w === 'rather' && words[i + 1] === 'than') || (w === 'instead' && words[i + 1] === 'of')) return true;
    // "not" after a noun, not after an auxiliary ("…, not three" vs "we are not").
    if (w === 'not' && i >= end - 3 && !AUX.has(words[i - 1] ?? '') && informative(words[i - 1] ?? '') > 0) return true;
  }
  return false;
}

/** "anyone disagree?", "any objections", "everyone good with that?": asking the room to object. */
const OBJECTION_CALLS = [
  'any|anyone|anybody objections|objection|disagree|object|concerns|pushback',
  'does|do anyone|anybody object|disagree|mind',
  'is|are everyone|everybody|we all? good|okay|ok|fine|happy|comfortable|aligned with|on that|this|it',
  'everyone|everybody|all good|okay|ok|fine|happy|comfortable|aligned with|on that|this|it',
  'does|can that|this work|fly for everyone|everybody|all',
  'everyone|everybody on board',
  'speak now',
].map(pattern);

function objectionCall(words: readonly string[], s: Sentence): { at: number } | null {
  for (let i = s.start; i < s.end; i++) {
    const m = matchAny(words, i, OBJECTION_CALLS);
    // The call closes the sentence (ASR runs it on from the statement).
    if (m && i + m.len >= s.end - 1) return { at: i };
  }
  return null;
}

function personalIn(input: DecisionInput, sentence: number): boolean {
  return input.clauses.some((c, ci) => c.sentence === sentence && input.personalClauses.has(ci));
}

/** "then SSO moves to Q3", "then the demo moves": a subject other than a person, then a finite verb. */
function nounSubject(words: readonly string[], i: number, end: number): boolean {
  const w = words[i] ?? '';
  if (w === 'the' || w === 'our' || w === 'this') return true;
  if (!w || STOPWORDS.has(w) || canBeVerb(w) || isAdjective(w)) return false;
  for (let j = i + 1; j < Math.min(end, i + 5); j++) {
    const x = words[j] ?? '';
    // "then helios health, that one's at …" is a topic, not a subject.
    if (SUBJECT_PRONOUNS.has(x) || DETERMINERS.has(x)) return false;
    if (['is', 'are', 'will'].includes(x) || thirdPerson(x)) return true;
  }
  return false;
}

/** "moves", "switches": a present-tense verb after a singular subject. */
const thirdPerson = (w: string) =>
  (/[^s]s$/.test(w) && canBeVerb(w.slice(0, -1))) || (/(ch|sh|x|ss)es$/.test(w) && canBeVerb(w.slice(0, -2)));

/** The strongest finding; content-free cues borrow a neighbouring sentence of the same turn. */
export function bestDecision(
  findings: readonly DecisionFinding[],
  sentenceText: (i: number) => string,
): DecisionFinding | null {
  const best = [...findings].sort((a, b) => b.strength - a.strength || a.sentence - b.sentence)[0];
  if (!best) return null;
  if (informative(best.text) >= 2) return best;
  for (const i of [best.sentence + 1, best.sentence - 1]) {
    const t = sentenceText(i);
    if (t && informative(t) >= 2) return { ...best, text: t };
  }
  return best;
}

export { informative as decisionContent };
