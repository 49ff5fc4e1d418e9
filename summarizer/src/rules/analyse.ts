import {
  type Acceptance,
  openingAcceptance,
  opensByVolunteering,
  opensWithAlreadyDone,
  opensWithDecline,
} from './acceptance.ts';
import { type Clause, type Sentence, splitClauses, splitSentences } from './clauses.ts';
import { findDates, pickDue } from './dates.ts';
import { bestDecision, type DecisionFinding, findDecisions } from './decisions.ts';
import { type ClauseHead, clauseHead } from './head.ts';
import { AUX, LAUGHTER, LIGHT_VERBS } from './lexicon.ts';
import { matchAny, pattern } from './match.ts';
import { assess } from './modality.ts';
import type { ParticipantIndex } from './names.ts';
import { hasContent, isReferable, type NounPhrase, nounPhrases } from './phrases.ts';
import { baseForm, canBeVerb, isPastTense, looksImperative } from './pos.ts';
import { cleanSentence } from './summary.ts';
import { type BuiltTask, buildTask, contentWords } from './task.ts';
import { render, renderIndices, type Token, tokenize } from './tokens.ts';
import { analyseClause, type DecisionHint, type Trigger } from './triggers.ts';
import type { RecentSegment, Segment, VerbObject } from './types.ts';

// Everything one utterance says, independent of meeting state: commitments and requests with
// their tasks, declines, how the turn opens, a decision, and noun phrases for later reference.

export type Candidate = BuiltTask & {
  trigger: Trigger;
  clause: number;
  confidence: number;
  latent: boolean;
  /** First word of the clause ("so I'll grab ten minutes…" links the work to a need before it). */
  opensWith: string;
  /** "I'll also …", "… as well": more work, not a restatement of what was asked. */
  additive: boolean;
};

export type SegmentFacts = {
  tokens: Token[];
  sentences: Sentence[];
  clauses: Clause[];
  candidates: Candidate[];
  /** Negated commitments by the speaker ("I won't have time for that"). */
  declines: Trigger[];
  acceptance: Acceptance;
  /** Opens by taking on whatever is on the table ("leave it with me", "I'm on it"). */
  volunteers: boolean;
  declined: boolean;
  /** The turn opens by saying the work is already done ("already did it yesterday"). */
  alreadyDone: boolean;
  decision: DecisionFinding | null;
  /** A due phrase anywhere in a forward-looking part of the turn ("Will do, by Friday"); computed on demand. */
  looseDue: () => { due: string; text: string } | null;
  nounPhrases: NounPhrase[];
  /** Verbs and the noun phrases they govern ("organize a volunteer day"). */
  objects: VerbObject[];
  words: string[];
  /** The turn floats an idea ("how about …?", "should we …?"). */
  proposal: boolean;
};

export type AnalyseContext = {
  meetingDate: string;
  names: ParticipantIndex;
  prevSpeaker: string | null;
  recent: readonly RecentSegment[];
};

const ADDITIVE = new Set(['also', 'too', 'additionally', 'another']);
const PAST_WORDS = new Set(['already', 'yesterday', 'last', 'ago']);
const SUBJECTS = new Set(['i', 'we', 'they', 'he', 'she', 'you']);
const PROPOSAL_STARTS = new Set(['should', 'could', 'can', 'shall', 'how', 'what', 'why']);

export function analyseSegment(seg: Segment, ctx: AnalyseContext): SegmentFacts {
  const tokens = tokenize(seg.text);
  const words = tokens.map((t) => t.norm);
  const sentences = splitSentences(tokens);
  const clauses = splitClauses(tokens, ctx.names);
  const heads: ClauseHead[] = clauses.map((c) => clauseHead(tokens, c, ctx.names));
  // ASR runs a vocative into the phrase before it ("a blocker carol just open …"): names end phrases.
  const allPhrases = nounPhrases(tokens).map((p) => {
    for (let k = p.start + 1; k < p.end; k++) {
      if (ctx.names.matchAt(tokens, k)) return { start: p.start, end: k, text: render(tokens, p.start, k) };
    }
    return p;
  });
  const phrases = allPhrases.filter((p) => isReferable(p.text));

  // "organize a volunteer day": an object may end in a time word and still name the work.
  const objects = verbObjects(
    tokens,
    allPhrases.filter((p) => hasContent(p.text)),
  );
  // "it" points at the latest referable phrase before it: in this turn, then in recent turns.
  // "organize it" first looks for something organized recently ("…organize a volunteer day").
  const antecedent = (at: number, verb?: string): string | null => {
    if (verb && !LIGHT_VERBS.has(verb)) {
      const same = objects.filter((o) => o.at < at && o.verb === verb).at(-1);
      if (same) return same.np;
      for (let r = ctx.recent.length - 1; r >= 0; r--) {
        const hit = ctx.recent[r]?.objects?.filter((o) => o.verb === verb).at(-1);
        if (hit) return hit.np;
      }
    }
    const here = phrases.filter((p) => p.end <= at);
    const last = here[here.length - 1];
    if (last) return last.text;
    for (let r = ctx.recent.length - 1; r >= Math.max(0, ctx.recent.length - 3); r--) {
      const nps = ctx.recent[r]?.nounPhrases ?? [];
      const np = nps[nps.length - 1];
      if (np) return np;
    }
    return null;
  };

  const candidates: Candidate[] = [];
  const declines: Trigger[] = [];
  const hints: { clause: number; hint: DecisionHint }[] = [];
  const personal = new Set<number>();
  // Pass 1: what each clause commits to (a coordinated verb inherits its subject's trigger).
  const triggers: (Trigger | null)[] = [];
  clauses.forEach((clause, ci) => {
    const head = heads[ci];
    const sentence = sentences[clause.sentence];
    if (!head || !sentence) {
      triggers.push(null);
      return;
    }
    const finding = analyseClause({
      tokens,
      words,
      clause,
      head,
      speaker: seg.speaker,
      prevSpeaker: ctx.prevSpeaker,
      names: ctx.names,
      participants: ctx.names.size,
      sentenceStart: sentence.start,
      sentenceEnd: sentence.end,
    });
    if (finding.decision) hints.push({ clause: ci, hint: finding.decision });
    const prev = triggers[ci - 1];
    // "Submit it, and send me the abstract": the second verb shares the first one's subject.
    const shared =
      prev &&
      words[clause.start] === 'and' &&
      clauses[ci - 1]?.sentence === clause.sentence &&
      !finding.decision &&
      looksImperative(words[head.head] ?? '') &&
      !SUBJECTS.has(words[head.head] ?? '');
    triggers.push(shared && prev ? { ...prev, head: head.head, verb: head.head, end: clause.end } : finding.trigger);
  });

  // Pass 2: tasks. A trailing due phrase belongs to a trigger up to the next clause with its own.
  clauses.forEach((clause, ci) => {
    const trigger = triggers[ci];
    const head = heads[ci];
    const sentence = sentences[clause.sentence];
    if (!trigger || !head || !sentence) return;
    if (trigger.kind !== 'group') personal.add(ci);
    if (trigger.negated) {
      declines.push(trigger);
      return;
    }
    const laughter =
      head.laughter ||
      words.slice(Math.max(sentence.start, clause.start - 2), clause.start).some((w) => LAUGHTER.has(w));
    const modality = assess(words, trigger, sentence, laughter, clause.start);
    if (modality.drop) return;
    let dueLimit = sentence.end;
    for (let k = ci + 1; k < clauses.length && clauses[k]?.sentence === clause.sentence; k++) {
      if (triggers[k]) {
        dueLimit = clauses[k]?.start ?? dueLimit;
        break;
      }
    }
    const task = buildTask({ tokens, trigger, meetingDate: ctx.meetingDate, dueLimit, names: ctx.names, antecedent });
    if (trigger.needsDate && !task.due) {
      // "Can we just close them?" — "Yes, let's close anything over ninety days": settling the proposal.
      if (words[head.head] === "let's" && answersProposal(ctx, seg.speaker, task.verb))
        hints.push({ clause: ci, hint: { head: trigger.head, verb: trigger.verb, end: trigger.end, strength: 0.7 } });
      return;
    }
    if (!task.text && trigger.kind !== 'accept') return;
    const confidence = Math.min(0.99, modality.confidence + (task.due ? 0.05 : 0));
    const latent = trigger.latentUnlessDated && !task.due;
    const clauseWords = words.slice(clause.start, clause.end);
    const additive = clauseWords.some((w, k) => ADDITIVE.has(w) || (w === 'as' && clauseWords[k + 1] === 'well'));
    candidates.push({
      ...task,
      trigger,
      clause: ci,
      confidence,
      latent,
      opensWith: words[clause.start] ?? '',
      additive,
    });
  });

  const findings = findDecisions({ tokens, sentences, clauses, heads, hints, personalClauses: personal });
  const sentenceText = (i: number): string => {
    const s = sentences[i];
    if (!s || s.question) return '';
    return cleanSentence(tokens, s.start, s.end).replace(/[.?!…]+$/, '');
  };
  const decision = bestDecision(findings, sentenceText);
  // "So we'll ship on Monday then" is the group's decision, not a task for nobody.
  const kept = decision
    ? candidates.filter((c) => !(c.trigger.kind === 'group' && clauses[c.clause]?.sentence === decision.sentence))
    : candidates;

  return {
    tokens,
    sentences,
    clauses,
    candidates: kept,
    declines,
    acceptance: openingAcceptance(words),
    volunteers: opensByVolunteering(words),
    declined: opensWithDecline(words),
    alreadyDone: opensWithAlreadyDone(words),
    decision,
    looseDue: () => looseDue(words, tokens, sentences, ctx.meetingDate),
    nounPhrases: phrases,
    objects: objects.map(({ verb, np }) => ({ verb, np })),
    words: contentWords(words),
    proposal: isProposal(words, sentences, clauses, heads),
  };
}

/** First due phrase outside past-tense sentences ("I already checked on Monday" does not count). */
function looseDue(
  words: readonly string[],
  tokens: readonly Token[],
  sentences: readonly Sentence[],
  meetingDate: string,
): { due: string; text: string } | null {
  for (const s of sentences) {
    const slice = words.slice(s.start, s.end);
    const past = slice.some((w, k) => PAST_WORDS.has(w) || (SUBJECTS.has(slice[k - 1] ?? '') && isPastTense(w)));
    if (past) continue;
    if (slice.includes('not')) continue;
    const m = pickDue(findDates(words, s.start, s.end, meetingDate));
    if (m) {
      const keep: number[] = [];
      for (let k = m.start; k < m.end; k++) keep.push(k);
      return { due: m.due, text: renderIndices(tokens, keep) };
    }
  }
  return null;
}

/** The previous turn, by someone else, proposed doing this very thing ("can we just close them?"). */
function answersProposal(ctx: AnalyseContext, speaker: string, verb: string): boolean {
  const last = ctx.recent.at(-1);
  return !!last && last.speaker !== speaker && last.proposal && last.words.includes(verb);
}

/** "can we …", "should we …", "why don't we …", "what if we …" opening a clause. */
const GROUP_PROPOSAL = [pattern('can|could|should|shall we'), pattern('why do not we'), pattern('what if we')];

function isProposal(
  words: readonly string[],
  sentences: readonly Sentence[],
  clauses: readonly Clause[],
  heads: readonly ClauseHead[],
): boolean {
  // Without punctuation, a question is known only by its shape.
  if (heads.some((h, i) => (clauses[i]?.start ?? 0) <= h.head && matchAny(words, h.head, GROUP_PROPOSAL))) return true;
  return sentences.some((s) => {
    const first = words[s.start] ?? '';
    return (s.question && PROPOSAL_STARTS.has(first)) || words.slice(s.start, s.end).join(' ').includes('how about');
  });
}

/** Noun phrases right after a verb, with the verb in base form ("organize a volunteer day"). */
function verbObjects(tokens: readonly Token[], phrases: readonly NounPhrase[]): (VerbObject & { at: number })[] {
  const out: (VerbObject & { at: number })[] = [];
  for (const p of phrases) {
    const v = tokens[p.start - 1]?.norm ?? '';
    if (!v || AUX.has(v) || !canBeVerb(v)) continue;
    out.push({ verb: baseForm(v), np: p.text, at: p.start });
  }
  return out;
}
