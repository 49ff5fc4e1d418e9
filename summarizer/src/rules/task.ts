import { type DueMatch, findDates, pickDue } from './dates.ts';
import {
  DETERMINERS,
  FILLERS,
  LAUGHTER,
  LIGHT_VERBS,
  PREPOSITIONS,
  STOPWORDS,
  SUBJECT_PRONOUNS,
  TASK_NOISE,
} from './lexicon.ts';
import type { ParticipantIndex } from './names.ts';
import { ANAPHORS } from './phrases.ts';
import { baseForm, canBeVerb, isGerund } from './pos.ts';
import { renderIndices, type Token } from './tokens.ts';
import type { Trigger } from './triggers.ts';

// Turns the words after a trigger into a short imperative task: cut trailing subordinate
// clauses, take out the due phrase, the vocative and hedges, and point "it" back at what it
// refers to when the task would otherwise say nothing ("do it" → "do the CSV export").

export type BuiltTask = {
  text: string;
  due: string | null;
  dueText: string | null;
  /** The task referred back with "it"/"that" (resolved or not). */
  anaphoric: boolean;
  /** No content of its own: only a light verb and a pronoun ("take it"). */
  vague: boolean;
  /** Content words, for matching later turns to this item. */
  topic: string[];
  /** The noun phrase the task is about. */
  object: string | null;
  /** Base form of the word the task starts from ("organize"). */
  verb: string;
};

export type TaskInput = {
  tokens: readonly Token[];
  trigger: Trigger;
  meetingDate: string;
  /** Deadlines may trail the clause ("…, that's m.jones@globex.com, by Friday"): look up to here. */
  dueLimit: number;
  names: ParticipantIndex;
  /** Finds what a pronoun before word index `at` refers to. */
  antecedent: (at: number, verb?: string) => string | null;
};

const CUTTERS = new Set([
  'because',
  'since',
  'so',
  'before',
  'after',
  'until',
  'once',
  'when',
  'while',
  'if',
  'unless',
  'although',
  'though',
  'cause',
  'whereas',
  'but',
]);
const CLAUSE_SUBJECTS = new Set([
  ...SUBJECT_PRONOUNS,
  'anything',
  'anyone',
  'everything',
  'everyone',
  'they',
  'he',
  'she',
]);
const TAIL_DROP = new Set([
  'right',
  'then',
  'too',
  'please',
  'okay',
  'ok',
  'and',
  'or',
  'but',
  'so',
  'to',
  'for',
  'with',
  'as',
  'well',
  'thanks',
  'yeah',
  'now',
  'again',
  'either',
]);
const DROP_PAIRS = [
  'for me',
  'for us',
  'from you',
  'from me',
  'in hand',
  'in there',
  'as well',
  'you know',
  'i mean',
  'kind of',
  'sort of',
  'at the latest',
  'if possible',
  'on my end',
  'on your end',
  'real quick',
  'right away',
].map((s) => s.split(' '));
const NEED_PREFIX = 'deliver';
const PARTICLES = new Set([
  'up',
  'out',
  'over',
  'off',
  'in',
  'down',
  'back',
  'set',
  'done',
  'ready',
  'to',
  'for',
  'by',
]);

/** Content words in base form ("quotes" → "quote", "calling" → "call"), for matching turns to each other. */
export function contentWords(words: readonly string[]): string[] {
  return words
    .filter((w) => w.length > 1 && !STOPWORDS.has(w) && /[a-z]/.test(w))
    .map((w) => baseForm(w).replace(/(?<=[^s])s$/, ''));
}

/** Where the task stops: before a subordinate clause with its own subject ("… before I offer anything"). */
function cutPoint(
  tokens: readonly Token[],
  words: readonly string[],
  from: number,
  end: number,
  names: ParticipantIndex,
  dates: readonly DueMatch[],
): number {
  for (let k = from + 1; k < end; k++) {
    const w = words[k] ?? '';
    if (/,/.test(tokens[k - 1]?.punct ?? '') && startsIndependentClause(words, k)) return k;
    if (w === 'whoever' || w === 'whatever') return k;
    if (!CUTTERS.has(w)) continue;
    if (dates.some((d) => d.start === k)) continue;
    const next = words[k + 1] ?? '';
    if (w === 'so' || w === 'but' || w === 'cause' || w === 'because') return k;
    if (CLAUSE_SUBJECTS.has(next) || names.matchAt(tokens, k + 1)) return k;
    if (DETERMINERS.has(next) || next.endsWith("'s")) {
      for (let j = k + 2; j < Math.min(end, k + 6); j++) {
        const x = words[j] ?? '';
        if (
          ['is', 'are', 'was', 'were', 'has', 'have'].includes(x) ||
          (/[^s]s$/.test(x) && canBeVerb(x.slice(0, -1)) && j > k + 2) ||
          (canBeVerb(x) && j > k + 2 && !/s$/.test(x) && words[j + 1] !== 'of' && isPlural(words[j - 1] ?? ''))
        )
          return k;
      }
    }
  }
  return end;
}

const isPlural = (w: string) => /[^s]s$/.test(w);

/** ", the rollback steps in there are …", ", just remind me": a new clause after a comma. */
function startsIndependentClause(words: readonly string[], k: number): boolean {
  const w = words[k] ?? '';
  if (w === 'whoever' || w === 'whatever' || w === 'whichever') return true;
  if (DETERMINERS.has(w) && w !== 'all') {
    for (let j = k + 1; j < k + 7; j++)
      if (['is', 'are', 'was', 'were', 'will', 'has', 'have'].includes(words[j] ?? '')) return true;
    return false;
  }
  const v = w === 'just' || w === 'and' ? (words[k + 1] ?? '') : w;
  const obj = words[k + (v === w ? 1 : 2)] ?? '';
  return (
    ['remind', 'ping', 'tell', 'call', 'text', 'slack', 'email', 'message'].includes(v) && ['me', 'us'].includes(obj)
  );
}

export function buildTask(input: TaskInput): BuiltTask {
  const { tokens, trigger, names } = input;
  const words = tokens.map((t) => t.norm);
  const allDates = findDates(words, trigger.verb, trigger.end, input.meetingDate);
  let end = cutPoint(tokens, words, trigger.verb, trigger.end, names, allDates);
  let dates = allDates.filter((d) => d.end <= end);
  if (dates.length === 0) dates = allDates.filter((d) => d.deadline);
  if (dates.length === 0 && input.dueLimit > trigger.end) {
    dates = findDates(words, trigger.end, input.dueLimit, input.meetingDate);
  }
  const due = pickDue(dates);
  // Unpunctuated text runs on after "by june fifth": a following word that cannot continue the
  // verb phrase starts something else.
  if (
    due &&
    due.end < end &&
    due.deadline &&
    !['and', 'to', 'so', 'with', 'for', 'at', 'in', 'on', 'from', 'or', 'as'].includes(words[due.end] ?? '')
  ) {
    end = Math.min(end, due.end);
  }
  const keep: number[] = [];
  for (let i = trigger.verb; i < end; i++) {
    if (due && i >= due.start && i < due.end) continue;
    const w = words[i] ?? '';
    if (FILLERS.has(w) || LAUGHTER.has(w) || TASK_NOISE.has(w)) continue;
    keep.push(i);
  }
  cutVagueTime(words, keep);
  dropPairs(words, keep);
  dropVocatives(tokens, keep, names);
  while (keep.length && TAIL_DROP.has(words[keep[keep.length - 1] ?? -1] ?? '')) keep.pop();
  while (keep.length && ['to', 'and', 'then', 'that'].includes(words[keep[0] ?? -1] ?? '') && keep.length > 1)
    keep.shift();

  const taskWords = keep.map((i) => words[i] ?? '');
  const own = contentWords(taskWords).filter((w) => !LIGHT_VERBS.has(w));
  const anaphorAt = findAnaphor(words, keep);
  let object: string | null = null;
  let anaphoric = anaphorAt >= 0;
  let text = renderIndices(tokens, keep);
  if (anaphorAt >= 0 && own.length < 3) {
    const ref = input.antecedent(trigger.head, baseForm(words[trigger.verb] ?? ''));
    if (ref) {
      object = ref;
      text = replaceAt(tokens, keep, anaphorAt, ref);
    }
  } else if (anaphorAt < 0) {
    anaphoric = false;
  }
  text = shapeByKind(trigger, text, tokens, keep, input.antecedent);
  const topicWords = contentWords(text.toLowerCase().split(/[^a-z0-9'@.]+/));
  return {
    text: tidy(text),
    due: due?.due ?? null,
    dueText: due ? renderIndices(tokens, range(due.start, due.end)) : null,
    anaphoric,
    vague: own.length === 0 || trigger.kind === 'assign',
    topic: [...new Set(topicWords)],
    object: object ?? firstObject(tokens, keep),
    verb: baseForm(words[trigger.verb] ?? ''),
  };
}

function range(a: number, b: number): number[] {
  return Array.from({ length: Math.max(0, b - a) }, (_, k) => a + k);
}

/** "… for sometime in May", "… at some point next quarter": a time with no date ends the task. */
function cutVagueTime(words: readonly string[], keep: number[]): void {
  for (let k = 1; k < keep.length; k++) {
    const w = words[keep[k] ?? -1] ?? '';
    const vague = w === 'sometime' || (w === 'some' && ['point', 'time'].includes(words[keep[k + 1] ?? -1] ?? ''));
    if (!vague) continue;
    const from = ['for', 'at', 'in', 'by'].includes(words[keep[k - 1] ?? -1] ?? '') ? k - 1 : k;
    if (from > 0) keep.splice(from);
    return;
  }
}

/** Removes two-word noise ("for me", "from you", "as well") from the kept indices. */
function dropPairs(words: readonly string[], keep: number[]): void {
  for (const pair of DROP_PAIRS) {
    for (let k = 0; k + pair.length <= keep.length; k++) {
      if (pair.every((p, j) => words[keep[k + j] ?? -1] === p)) {
        keep.splice(k, pair.length);
        k--;
      }
    }
  }
}

function dropVocatives(tokens: readonly Token[], keep: number[], names: ParticipantIndex): void {
  const last = keep[keep.length - 1];
  if (last === undefined) return;
  for (const len of [2, 1]) {
    const at = keep[keep.length - len];
    if (at === undefined || keep.length <= len) continue;
    const m = names.matchAt(tokens, at);
    const before = tokens[at - 1];
    if (!m || m.len !== len || !before) continue;
    if (/,/.test(before.punct) || (!PREPOSITIONS.has(before.norm) && !canBeVerb(before.norm))) {
      keep.splice(keep.length - len, len);
      return;
    }
  }
}

/** Position in `keep` of an object pronoun ("send it", "do that", "take that one"). */
function findAnaphor(words: readonly string[], keep: readonly number[]): number {
  for (let k = 0; k < keep.length; k++) {
    const w = words[keep[k] ?? -1] ?? '';
    if (!ANAPHORS.has(w)) continue;
    const next = words[keep[k + 1] ?? -1] ?? '';
    // "get one set up": "one" stands for a noun phrase only right after a verb.
    if (
      w === 'one' &&
      (k === 0 || !canBeVerb(words[keep[k - 1] ?? -1] ?? '') || (next && !PARTICLES.has(next) && !canBeVerb(next)))
    )
      continue;
    if (
      (w === 'that' || w === 'this' || w === 'those' || w === 'these') &&
      next &&
      next !== 'one' &&
      !PREPOSITIONS.has(next) &&
      !['to', 'over', 'up', 'out', 'off', 'in', 'down', 'back'].includes(next)
    )
      continue;
    return k;
  }
  return -1;
}

function replaceAt(tokens: readonly Token[], keep: readonly number[], k: number, ref: string): string {
  const skipOne = tokens[keep[k + 1] ?? -1]?.norm === 'one' ? 1 : 0;
  const before = renderIndices(tokens, keep.slice(0, k));
  const after = renderIndices(tokens, keep.slice(k + 1 + skipOne));
  return [before, ref, after].filter(Boolean).join(' ');
}

function firstObject(tokens: readonly Token[], keep: readonly number[]): string | null {
  const rest = keep.slice(1);
  if (rest.every((i) => ANAPHORS.has(tokens[i]?.norm ?? '') || PREPOSITIONS.has(tokens[i]?.norm ?? ''))) return null;
  const text = renderIndices(tokens, rest);
  return text || null;
}

/** Kind-specific phrasing: needs become "deliver X", gerunds become imperatives. */
function shapeByKind(
  trigger: Trigger,
  text: string,
  tokens: readonly Token[],
  keep: readonly number[],
  antecedent: (at: number) => string | null,
): string {
  let out = text;
  const first = tokens[keep[0] ?? -1]?.norm ?? '';
  if (trigger.objectSpan) {
    const [a, b] = trigger.objectSpan;
    const idx: number[] = [];
    for (let i = a; i < b; i++) {
      const w = tokens[i]?.norm ?? '';
      if (!TASK_NOISE.has(w) && !FILLERS.has(w)) idx.push(i);
    }
    const verb = baseForm(first);
    const rest = out.split(' ').slice(1).join(' ');
    return [verb, renderIndices(tokens, idx), rest].filter(Boolean).join(' ');
  }
  if (trigger.prefix)
    return `${trigger.prefix} ${out.replace(/^(The|A|An|Our|This|That|These|Those)\b/, (m) => m.toLowerCase())}`;
  // "let marketing know" says "tell marketing".
  out = out.replace(/^let (.{1,40}?) know\b/i, 'tell $1');
  if (
    trigger.kind === 'delivery' ||
    (trigger.kind === 'self' && first === 'have' && DETERMINERS.has(tokens[keep[1] ?? -1]?.norm ?? ''))
  ) {
    out = out.replace(/^(have|had)\s+/i, '');
    if (/^(it|that|this|them)\b/i.test(out)) {
      const ref = antecedent(trigger.head);
      if (ref) out = out.replace(/^(it|that|this|them)\b/i, ref);
    }
    return `${NEED_PREFIX} ${out.replace(/\s+(to you|over|ready|done|up|in|out|finished)$/i, '')}`.trim();
  }
  if (trigger.kind === 'assign' && !isGerund(first)) {
    const ref = antecedent(trigger.head);
    return ref ? `handle ${ref}` : out;
  }
  if (isGerund(first)) return `${baseForm(first)}${out.slice(out.split(' ')[0]?.length ?? 0)}`;
  return out;
}

/** Final touches: lowercase first letter unless it is an acronym or a name; no dangling punctuation. */
function tidy(text: string): string {
  let t = text
    .replace(/\s+/g, ' ')
    .replace(/\s+([,.;:])/g, '$1')
    .replace(/^[,;:\s]+|[,;:\s-]+$/g, '')
    .trim();
  t = t.replace(/[.?!]+$/, '');
  if (/^[A-Z][a-z]/.test(t)) t = t[0]?.toLowerCase() + t.slice(1);
  return t;
}
