import type { Clause } from './clauses.ts';
import {
  ADJECTIVE_LEADERS,
  AUX,
  CONJUNCTIONS,
  FILLERS,
  GROUP_VOCATIVES,
  LAUGHTER,
  LEADERS,
  MODALS,
  PREPOSITIONS,
  SUBJECT_PRONOUNS,
} from './lexicon.ts';
import { matchAny, pattern } from './match.ts';
import type { ParticipantIndex } from './names.ts';
import { canBeVerb, isAdjective, isKnownWord, looksImperativeBefore } from './pos.ts';
import type { Token } from './tokens.ts';

// Finds where a clause's content starts, past discourse markers and a vocative ("Okay, so, Bob, can you …").

export type ClauseHead = {
  /** Index of the first content word. */
  head: number;
  /** Participant addressed by name at the start or end of the clause. */
  vocative: string | null;
  /** Laughter right before the content ("Ha, I'll add it to the redline"). */
  laughter: boolean;
  /** Addressed to everyone ("Everyone, please fill out the survey"): nobody in particular owns it. */
  groupAddressed: boolean;
};

const LEAD_PHRASES = [
  'one last thing',
  'last thing',
  'one more thing',
  'one thing',
  'next up',
  'quick note',
  'heads up',
  'by the way',
  'for the record',
  'going forward',
  'in that case',
  'on that note',
  'that said',
  'for what it is worth',
  'to be clear',
  'just so everyone knows',
  'real quick',
  'first thing',
  'fair enough',
  'no worries',
  'thank you',
  'of course',
  'in the meantime',
  'and then',
  'if possible',
].map(pattern);

const VOCATIVE_NEXT = new Set([
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
  'are',
  'is',
  'any',
  'what',
  'where',
  'how',
  'when',
  'who',
  'just',
  'also',
]);
const TAIL_SKIP = new Set(['right', 'please', 'then', 'too', 'maybe', 'ok', 'okay']);

function isVocativeAt(tokens: readonly Token[], words: readonly string[], i: number, len: number): boolean {
  const nameTok = tokens[i + len - 1];
  if (nameTok && /[,:]/.test(nameTok.punct)) return true;
  const next = words[i + len] ?? '';
  // "dana will call" is a subject; "dana will you call" is a vocative.
  if (MODALS.has(next) || AUX.has(next))
    return (
      words[i + len + 1] === 'you' ||
      // "dana can i ask you to call …": the request is to the person named.
      (words[i + len + 1] === 'i' && words[i + len + 2] === 'ask' && words[i + len + 3] === 'you')
    );
  if (VOCATIVE_NEXT.has(next)) return true;
  // "bob it would be great if you could …": a clause with its own subject follows the name.
  if (next === 'it' && AUX.has(words[i + len + 1] ?? '')) return true;
  return looksImperativeBefore(next, words[i + len + 1] ?? '') && !PREPOSITIONS.has(next);
}

export function clauseHead(tokens: readonly Token[], clause: Clause, names: ParticipantIndex): ClauseHead {
  const words = tokens.map((t) => t.norm);
  let h = clause.start;
  let vocative: string | null = null;
  let laughter = false;
  let groupAddressed = false;
  while (h < clause.end) {
    const w = words[h] ?? '';
    if (LAUGHTER.has(w)) {
      laughter = true;
      h++;
      continue;
    }
    if (ADJECTIVE_LEADERS.has(w) && !tokens[h]?.punct && modifiesNoun(tokens, words, h + 1, clause.end, names)) break;
    if (FILLERS.has(w) || (LEADERS.has(w) && !isContentLeader(words, h)) || CONJUNCTIONS.has(w)) {
      h++;
      continue;
    }
    const phrase = matchAny(words, h, LEAD_PHRASES);
    if (phrase) {
      h += phrase.len;
      continue;
    }
    const name = names.matchAt(tokens, h);
    if (name && isVocativeAt(tokens, words, h, name.len)) {
      vocative ??= name.id;
      h += name.len;
      continue;
    }
    // "Bob and Carol, can you …": the first person named owns it.
    if (name && words[h + name.len] === 'and') {
      const second = names.matchAt(tokens, h + name.len + 1);
      if (second && isVocativeAt(tokens, words, h + name.len + 1, second.len)) {
        vocative ??= name.id;
        h += name.len + 1 + second.len;
        continue;
      }
    }
    if (GROUP_VOCATIVES.has(w)) {
      // "Everyone, please …" addresses the room; "thanks everyone, I'll …" only greets it.
      const after = words[h + 1] ?? '';
      groupAddressed =
        after === 'please' || (canBeVerb(after) && isKnownWord(after) && !AUX.has(after) && !isAdjective(after));
      h++;
      continue;
    }
    break;
  }
  return { head: h, vocative: vocative ?? trailingVocative(tokens, clause, names), laughter, groupAddressed };
}

/** "great job", "good point": the adjective describes a noun, so it is content, not a discourse marker. */
function modifiesNoun(
  tokens: readonly Token[],
  words: readonly string[],
  i: number,
  end: number,
  names: ParticipantIndex,
): boolean {
  const next = words[i] ?? '';
  if (
    i >= end ||
    LEADERS.has(next) ||
    SUBJECT_PRONOUNS.has(next) ||
    AUX.has(next) ||
    CONJUNCTIONS.has(next) ||
    next === "let's"
  )
    return false;
  if (GROUP_VOCATIVES.has(next) || names.matchAt(tokens, i)) return false;
  return !canBeVerb(next);
}

/** A leader word used as a verb ("look into the logs", "wait for legal") is content, not a discourse marker. */
function isContentLeader(words: readonly string[], i: number): boolean {
  const w = words[i] ?? '';
  // "no need to …", "no one should …" are negations, not a leading "no".
  if (w === 'no') return ['need', 'one', 'way', 'longer'].includes(words[i + 1] ?? '');
  if (w !== 'look' && w !== 'wait' && w !== 'listen') return false;
  return ['into', 'at', 'over', 'for', 'up', 'through', 'to'].includes(words[i + 1] ?? '');
}

/** "Can you update the roadmap, Carol?" / ASR "can you update the roadmap carol". */
export function trailingVocative(tokens: readonly Token[], clause: Clause, names: ParticipantIndex): string | null {
  let k = clause.end - 1;
  while (k > clause.start && TAIL_SKIP.has(tokens[k]?.norm ?? '')) k--;
  for (const len of [2, 1]) {
    const at = k - len + 1;
    if (at <= clause.start) continue;
    const name = names.matchAt(tokens, at);
    if (!name || name.len !== len) continue;
    const before = tokens[at - 1];
    if (!before) continue;
    if (/,/.test(before.punct)) return name.id;
    // Without punctuation, a name right after a verb or preposition is an object ("ping carol").
    if (!PREPOSITIONS.has(before.norm) && !canBeVerb(before.norm)) return name.id;
  }
  return null;
}
