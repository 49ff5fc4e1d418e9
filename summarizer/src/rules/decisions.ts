import type { Clause, Sentence } from './clauses.ts';
import type { ClauseHead } from './head.ts';
import { FILLERS, LEADERS } from './lexicon.ts';
import { findPattern, matchAt, type Pattern, pattern } from './match.ts';
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
  'that is the decision|plan|call',
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

const informative = (text: string) => contentWords(text.toLowerCase().split(/\s+/)).filter((w) => !META.has(w)).length;

function explicitIn(words: readonly string[], s: Sentence): { at: number; len: number } | null {
  for (const p of EXPLICIT) {
    const m = findPattern(words, s.start, s.end, p);
    if (!m) continue;
    const before = words.slice(Math.max(s.start, m.at - 2), m.at);
    if (before.some((w) => NEGATING.has(w)) && !(words[m.at] === 'full' || words[m.at] === 'that')) continue;
    return m;
  }
  // "wizard it is": a noun, then "it is" closing the sentence.
  if (
    s.end - s.start >= 3 &&
    words[s.end - 2] === 'it' &&
    words[s.end - 1] === 'is' &&
    informative(words[s.end - 3] ?? '') > 0
  ) {
    return { at: s.end - 2, len: 2 };
  }
  return null;
}

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
      const text =
        informative(after) >= 2
          ? after
          : informative(before) >= 1
            ? `${before} ${words[m.at] === 'is' ? words.slice(m.at, m.at + m.len).join(' ') : ''}`.trim()
            : '';
      out.push({ kind: 'explicit', strength: 0.9, text, sentence: si });
      return;
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
    // Group conclusions: "then we ship the hotfix tomorrow", "the demo moves to Tuesday then".
    input.clauses.forEach((c, ci) => {
      if (c.sentence !== si || input.personalClauses.has(ci)) return;
      const h = firstContent(words, c.start, c.end, true);
      const thenFirst = words[h] === 'then' && (words[h + 1] === 'we' || words[h + 1] === 'the');
      const thenLast = words[c.end - 1] === 'then' && c.end - h >= 4 && !['i', 'you', 'then'].includes(words[h] ?? '');
      if (!(thenFirst || thenLast) || words.slice(h, c.end).some((w) => UNDECIDED_VERBS.has(w))) return;
      const text = textOf(tokens, thenFirst ? h + 1 : h, thenLast ? c.end - 1 : c.end);
      if (informative(text) >= 2) out.push({ kind: 'conclusion', strength: 0.65, text, sentence: si });
    });
  });
  return out;
}

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
