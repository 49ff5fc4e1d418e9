import type { Clause } from './clauses.ts';
import type { ClauseHead } from './head.ts';
import { AUX, DECISION_VERBS, DETERMINERS, MEETING_VERBS, SELF_META_VERBS } from './lexicon.ts';
import { matchAny, matchAt, pattern } from './match.ts';
import { type Chain, readChain } from './modal-chain.ts';
import type { ParticipantIndex } from './names.ts';
import { canBeVerb, isAdjective, isGerund, isPastTense, looksImperative, looksImperativeBefore } from './pos.ts';
import type { Token } from './tokens.ts';

// Finds the commitment or request a clause expresses, and whose it is. Each rule keys on
// sentence structure: subject + modal chain, inverted "can you" requests, "please"/imperatives
// with a vocative, "let's", "someone needs to", "X needs fixing".

export type TriggerKind =
  | 'self' // the speaker commits
  | 'request' // someone addressed is asked
  | 'third' // a named participant will do it
  | 'group' // we / someone / let's: nobody named
  | 'need' // the speaker needs something from others
  | 'delivery' // "you'll have it Friday", "it'll be done by EOD": timing of the speaker's work
  | 'accept' // "I'm on it", "that'll be me"
  | 'assign'; // "Bob, that one's yours"

export type Trigger = {
  kind: TriggerKind;
  owner: string | null;
  /** The owner was named by someone else (vocative or previous speaker) and has not confirmed. */
  addressed: boolean;
  /** First word of the trigger. */
  head: number;
  /** First word of the task. */
  verb: number;
  /** End of the clause. */
  end: number;
  strength: number;
  negated: boolean;
  hedged: boolean;
  /** Progressive commitments ("I'm running sessions") count only with a date. */
  needsDate: boolean;
  /** A need with nobody named counts only with a date ("I need it by Thursday"). */
  latentUnlessDated: boolean;
  /** Words [from, to) naming the object when the task is built from a subject ("the runbook needs updating"). */
  objectSpan: [number, number] | null;
  /** Verb put before a task that has none ("need the deck" → "deliver the deck"). */
  prefix: string | null;
  /** Only sets a time for work already named ("I'll aim for Monday"). */
  timing: boolean;
  /** Plain future ("will", "going to", progressive): a statement of what happens, not an obligation. */
  future: boolean;
};

export type DecisionHint = { head: number; verb: number; end: number; strength: number };

export type ClauseContext = {
  tokens: readonly Token[];
  words: readonly string[];
  clause: Clause;
  head: ClauseHead;
  speaker: string;
  prevSpeaker: string | null;
  names: ParticipantIndex;
  /** People in the meeting (a one-to-one makes the addressee of an imperative obvious). */
  participants: number;
  /** First word of the clause's sentence. */
  sentenceStart: number;
  /** End of the clause's sentence. */
  sentenceEnd: number;
};

export type ClauseFinding = { trigger: Trigger | null; decision: DecisionHint | null };

const STRENGTH: Record<string, number> = {
  future: 0.9,
  must: 0.75,
  can: 0.75,
  offer: 0.7,
  want: 0.4,
  should: 0.5,
  weak: 0.35,
  progressive: 0.8,
  have: 0.8,
};

const REQUEST_PATTERNS = [
  'can|could|will you please? possibly?',
  'would you please',
  'would you mind',
  'would you be able|willing to',
  'would you be up for',
  'would you like to',
  'do you mind',
  'are you able to',
  'are you okay|ok to',
  'do you want to',
  'is it possible for you to',
  'why do not you',
  'how about you',
  'make sure you',
  'do not forget to',
  'remember to',
  // "can I ask you to …", "I'd like to ask you to …": the request is embedded in a meta-verb.
  'can|could|may i ask you to',
  'i would like to ask you to',
].map(pattern);
/** Indices of REQUEST_PATTERNS that ask more tentatively ("would you like to", "do you want to"). */
const TENTATIVE_REQUESTS = new Set([5, 9]);
/** Questions that look like requests but ask for information now ("can you believe…"). */
const NOT_TASK_AFTER_YOU = new Set([
  'believe',
  'imagine',
  'hear',
  'see',
  'explain',
  'repeat',
  'clarify',
  'say',
  'elaborate',
  'think',
  'guess',
]);
const IMPERATIVE_BLOCK = new Set([
  'thank',
  'thanks',
  'see',
  'look',
  'listen',
  'wait',
  'hold',
  'sorry',
  'mind',
  'say',
  'remember',
  'note',
  'imagine',
  'guess',
  'go',
  'come',
  'hear',
  'keep',
  'let',
  'welcome',
  'congrats',
  'congratulations',
  'good',
  'great',
  'nice',
  'any',
  'no',
  'yes',
  'okay',
  'right',
  'agreed',
  'fair',
  'understood',
  'noted',
]);
const LET_ME_META = new Set([
  'know',
  'see',
  'think',
  'be',
  'say',
  'start',
  'share',
  'show',
  'recap',
  'summarize',
  'summarise',
  'jump',
  'hop',
  'ask',
  'just',
  'pull',
  'add',
  'play',
  'finish',
  'push',
  'stop',
  'try',
  'go',
  'explain',
  'repeat',
  'clarify',
  'guess',
  'put',
  'get',
  'take',
]);
const NEEDS_OWNER = pattern('an|a|some owner|volunteer|taker|champion|someone|somebody');
const SUBJECT_PRONOUNS_SET = new Set(['i', 'we', 'you', 'they', 'he', 'she', 'it', 'that', 'this', 'who', 'everyone']);
/** "let me answer that": replying in the meeting, not work for later. */
const IN_MEETING_REPLIES = new Set(['answer', 'address', 'respond', 'field']);
const IN_MEETING_OBJECTS = new Set(['that', 'this', 'it', 'one', 'right', 'now', 'quickly', 'first', 'real', 'your']);
/** "let's go around", "let's go deal by deal": moving through the meeting. */
const GO_MOVES = new Set([
  'around',
  'through',
  'over',
  'ahead',
  'back',
  'first',
  'next',
  'on',
  'to',
  'into',
  'deal',
  'down',
  'by',
  'in',
  'out',
  'quickly',
  'quick',
  'person',
  'team',
  'one',
  'round',
  'home',
  'for',
  'and',
  'forward',
]);
/** Irregular participles the lexicon tags as other parts of speech ("get one set up"). */
const PARTICIPLES = new Set([
  'done',
  'sorted',
  'set',
  'put',
  'cut',
  'made',
  'built',
  'written',
  'sent',
  'shut',
  'run',
  'read',
  'drawn',
  'shown',
  'taken',
  'given',
  'fixed',
  'signed',
  'cleaned',
  'reviewed',
  'started',
]);
/** Verbs that only set a time for work already named ("I'll aim for Monday"). */
const SCHEDULING = new Set(['aim', 'shoot', 'target', 'plan']);
const GROUP_SUBJECTS = new Set(['someone', 'somebody', 'anyone', 'anybody', 'whoever']);
const NEG_SUBJECTS = new Set(['nobody', 'noone']);
const DONE_WORDS = new Set([
  'done',
  'ready',
  'finished',
  'sorted',
  'up',
  'in',
  'out',
  'over',
  'sent',
  'fixed',
  'live',
  'handled',
  'covered',
  'shipped',
  'merged',
  'deployed',
  'uploaded',
  'complete',
  'completed',
]);
const YOURS = [
  'that|this|it is probably|definitely|all? yours|you',
  'that|this|it is on you',
  'that|this one is yours',
  'that|this|it is your job|one|baby',
  'that|this is going to be you|yours',
  'that|this one is on you',
  'over to you',
].map(pattern);
const ROOM_REQUESTS = [
  'can|could|will someone|somebody|anyone|anybody please?',
  'who can|will|could',
  'who wants to',
  'does|do anyone|anybody want to',
  'anyone|anybody want to',
  'is anyone|anybody able to',
].map(pattern);
/** "I have to drop", "I need to run": leaving the meeting, not work. */
const LEAVING = new Set(['drop', 'run', 'go', 'leave', 'head', 'hop', 'jump', 'bounce', 'step']);
const ACTION_ITEM = pattern('action item|items for? ');
/** "any chance you could …", "is there any chance we see …": a request dressed as a question. */
const ANY_CHANCE = pattern('is? there? any chance that? you|we could|can|would|will|might?');
/** "it'd be great if …", "I'd appreciate it if …": an evaluation that wraps a request. */
const WRAPPED_REQUEST = [
  'it would|will be really|so|very|super? great|helpful|nice|awesome|good|amazing|ideal|brilliant|perfect if',
  'i would really? appreciate|love it if',
].map(pattern);
/** "… that would be great" closing an "if you could …" request. */
const REQUEST_TAIL = pattern(
  'that|it would|will be really|so|very|super? great|helpful|nice|awesome|amazing|ideal|perfect|appreciated|brilliant',
);
/** The subject of the wrapped request must be able to do the work: "if you could", "if Carol can". */
const POLITE_MODALS = new Set(['could', 'can', 'would', 'will']);
/** Volunteering: "put me down for the booth", "sign me up for writing the guide", "count me in for …". */
const VOLUNTEER = pattern('put|sign|count me down|up|in for');

function trig(
  partial: Partial<Trigger> & Pick<Trigger, 'kind' | 'owner' | 'head' | 'verb' | 'end' | 'strength'>,
): Trigger {
  return {
    addressed: false,
    negated: false,
    hedged: false,
    needsDate: false,
    latentUnlessDated: false,
    objectSpan: null,
    prefix: null,
    timing: false,
    future: false,
    ...partial,
  };
}

export function analyseClause(ctx: ClauseContext): ClauseFinding {
  const { words, clause } = ctx;
  const h = ctx.head.head;
  if (h >= clause.end) return { trigger: null, decision: null };
  const w = words[h] ?? '';
  if (w === "let's" || (w === 'let' && words[h + 1] === 'us')) return letsClause(ctx, w === "let's" ? h + 1 : h + 2);
  const trigger = findTrigger(ctx);
  // "We're going to push the launch to May", "we'll go with Postgres": the group settling something.
  if (trigger?.kind === 'group' && trigger.future && !trigger.negated && !ctx.clause.question) {
    const verb = words[trigger.verb] ?? '';
    if (DECISION_VERBS.has(verb) || (verb === 'go' && words[trigger.verb + 1] === 'with')) {
      return { trigger: null, decision: { head: trigger.head, verb: trigger.verb, end: trigger.end, strength: 0.65 } };
    }
  }
  return { trigger, decision: null };
}

function addressee(ctx: ClauseContext): { owner: string | null; named: boolean } {
  if (ctx.head.vocative) return { owner: ctx.head.vocative, named: true };
  if (ctx.head.groupAddressed) return { owner: null, named: true };
  if (ctx.prevSpeaker && ctx.prevSpeaker !== ctx.speaker) return { owner: ctx.prevSpeaker, named: false };
  return { owner: null, named: false };
}

function findTrigger(ctx: ClauseContext): Trigger | null {
  const { words, clause, speaker } = ctx;
  const h = ctx.head.head;
  const end = clause.end;
  const w = words[h] ?? '';
  const base = { head: h, end };

  // "Can you …", "would you mind …", "why don't you …"
  const req = matchAny(words, h, REQUEST_PATTERNS);
  if (req) {
    const verb = h + req.len;
    if (NOT_TASK_AFTER_YOU.has(words[verb] ?? '') || verb >= end) return null;
    const to = addressee(ctx);
    const strength = (to.named ? 0.8 : 0.65) - (TENTATIVE_REQUESTS.has(req.which) ? 0.1 : 0);
    return trig({ ...base, kind: 'request', owner: to.owner, addressed: true, verb, strength });
  }
  const polite = politeRequest(ctx);
  if (polite) return polite;
  // "Can someone send out the recording?" asks the room; "who can take notes?" waits for a taker.
  const room = matchAny(words, h, ROOM_REQUESTS);
  if (room) {
    return trig({
      ...base,
      kind: 'group',
      owner: null,
      addressed: true,
      verb: h + room.len,
      strength: 0.6,
      latentUnlessDated: room.which > 0,
    });
  }
  if (matchAt(words, h, pattern('why do not we')) > 0) {
    return trig({ ...base, kind: 'group', owner: null, verb: h + 4, strength: 0.5 });
  }
  if (w === 'please') {
    if (words[h + 1] === 'do' && words[h + 2] === 'not')
      return trig({ ...base, kind: 'request', owner: null, verb: h + 3, strength: 0, negated: true });
    const to = addressee(ctx);
    return trig({
      ...base,
      kind: 'request',
      owner: to.owner,
      addressed: true,
      verb: h + 1,
      strength: to.named ? 0.85 : 0.7,
    });
  }
  if (w === 'no' && words[h + 1] === 'need' && words[h + 2] === 'to') {
    return trig({ ...base, kind: 'group', owner: null, verb: h + 3, strength: 0, negated: true });
  }
  const ai = matchAt(words, h, ACTION_ITEM);
  if (ai > 0) {
    const name = ctx.names.matchAt(ctx.tokens, h + ai);
    if (name) return trig({ ...base, kind: 'third', owner: name.id, verb: h + ai + name.len, strength: 0.9 });
    if (words[h + ai] === 'me') return trig({ ...base, kind: 'self', owner: speaker, verb: h + ai + 1, strength: 0.9 });
    return trig({ ...base, kind: 'group', owner: null, verb: h + ai, strength: 0.7 });
  }
  const volunteer = matchAt(words, h, VOLUNTEER);
  if (volunteer > 0 && h + volunteer < end) {
    const verb = h + volunteer;
    // "sign me up for the booth shift": a noun phrase is the work to take on.
    const prefix = isGerund(words[verb] ?? '') ? null : 'take';
    return trig({ ...base, kind: 'self', owner: speaker, verb, strength: 0.9, prefix });
  }
  if (w === 'let' && words[h + 1] === 'me') {
    const verb = h + 2;
    if (LET_ME_META.has(words[verb] ?? '') && !(words[verb] === 'get' && words[verb + 1] !== 'you')) return null;
    // "let me settle that", "let me answer that right now": talk in the meeting itself.
    // ("let me talk to finance" is work: the object decides.)
    const reply = MEETING_VERBS.has(words[verb] ?? '') || IN_MEETING_REPLIES.has(words[verb] ?? '');
    if (reply && (verb + 1 >= end || IN_MEETING_OBJECTS.has(words[verb + 1] ?? ''))) return null;
    return trig({ ...base, kind: 'self', owner: speaker, verb, strength: 0.9 });
  }
  const yours = matchAny(words, h, YOURS);
  if (yours) {
    const to = addressee(ctx);
    return trig({
      ...base,
      kind: 'assign',
      owner: to.owner,
      addressed: true,
      verb: h,
      strength: to.named ? 0.75 : 0.6,
    });
  }
  if (w === 'that' && words[h + 1] === 'will' && words[h + 2] === 'be' && words[h + 3] === 'me') {
    return trig({ ...base, kind: 'accept', owner: speaker, verb: h + 4, strength: 0.9 });
  }
  if (
    ['it', 'that', 'this'].includes(w) &&
    words[h + 1] === 'will' &&
    words[h + 2] === 'be' &&
    DONE_WORDS.has(words[h + 3] ?? '')
  ) {
    return trig({ ...base, kind: 'delivery', owner: speaker, verb: h, strength: 0.8 });
  }
  if (w === 'should' && words[h + 1] === 'have') {
    return trig({ ...base, kind: 'delivery', owner: speaker, verb: h + 1, strength: 0.6 });
  }
  if (w === 'i') return subjectTrigger(ctx, readChain(words, h + 1, end), speaker, 'self');
  if (w === 'we') return subjectTrigger(ctx, readChain(words, h + 1, end), null, 'group');
  if (w === 'you') return youTrigger(ctx, readChain(words, h + 1, end));
  if (GROUP_SUBJECTS.has(w) || (w === 'one' && words[h + 1] === 'of' && words[h + 2] === 'us')) {
    const skip = w === 'one' ? 3 : words[h + 1] === 'else' ? 2 : 1;
    const chain = readChain(words, h + skip, end);
    if (!['must', 'should', 'future'].includes(chain.kind)) return null;
    return trig({
      ...base,
      kind: 'group',
      owner: null,
      verb: chain.verb,
      strength: chain.kind === 'should' ? 0.5 : 0.6,
      negated: chain.negated,
    });
  }
  if (NEG_SUBJECTS.has(w) || (w === 'no' && words[h + 1] === 'one')) {
    const chain = readChain(words, h + (w === 'no' ? 2 : 1), end);
    return chain.kind === 'none'
      ? null
      : trig({ ...base, kind: 'group', owner: null, verb: chain.verb, strength: 0, negated: true });
  }
  const name = ctx.names.matchAt(ctx.tokens, h);
  if (name) {
    const after = h + name.len;
    if (words[after] === 'to' && looksImperative(words[after + 1] ?? '')) {
      return trig({ ...base, kind: 'third', owner: name.id, verb: after + 1, strength: 0.7 });
    }
    if (words[after] === 'and' && words[after + 1] === 'i') return null;
    return subjectTrigger(ctx, readChain(words, after, end), name.id, 'third');
  }
  // "Tom's going to handle it", "Carol's presenting on Tuesday", "Bob's on it".
  const clitic = ctx.names.matchClitic(ctx.tokens, h);
  // "Priya's team will scope it": the named person answers for their team.
  if (clitic && ['team', 'group', 'folks', 'people'].includes(words[h + 1] ?? '')) {
    const chain = readChain(words, h + 2, end);
    return subjectTrigger(ctx, chain, clitic.id, 'third');
  }
  if (clitic && (words[h + 1] === 'going' || words[h + 1] === 'on' || isGerund(words[h + 1] ?? ''))) {
    // Read the chain as if the clitic were "is"; index 0 of that reading is the name itself.
    const chain = readChain(['is', ...words.slice(h + 1, end)], 0, end - h);
    return subjectTrigger(ctx, { ...chain, verb: chain.verb + h }, clitic.id, 'third');
  }
  const needs = passiveNeed(ctx);
  if (needs) return needs;
  // "Mike, send me the contract." — an imperative counts when someone is addressed by name, or
  // in a one-to-one where the listener is unambiguous, at the start of a sentence.
  if (
    looksImperativeBefore(w, words[h + 1] ?? '') &&
    !IMPERATIVE_BLOCK.has(w) &&
    !AUX.has(w) &&
    !ctx.clause.question &&
    words[h + 1] !== 'if'
  ) {
    if (ctx.head.vocative || ctx.head.groupAddressed) {
      return trig({ ...base, kind: 'request', owner: addressee(ctx).owner, addressed: true, verb: h, strength: 0.75 });
    }
    const sentenceStart = ctx.clause.start === ctx.sentenceStart || words[ctx.clause.start] === 'and';
    if (ctx.participants === 2 && sentenceStart && ctx.prevSpeaker && ctx.prevSpeaker !== speaker) {
      return trig({ ...base, kind: 'request', owner: ctx.prevSpeaker, addressed: true, verb: h, strength: 0.6 });
    }
  }
  if (w === 'do' && words[h + 1] === 'not' && words[h + 2] === 'forget' && words[h + 3] === 'to') {
    const to = addressee(ctx);
    return trig({ ...base, kind: 'request', owner: to.owner, addressed: true, verb: h + 4, strength: 0.7 });
  }
  return null;
}

/**
 * Requests said indirectly: "Bob, would you draft the memo?", "any chance you could look at it?",
 * "it'd be great if Carol could book the venue", "if you could send me the invoices, that would be great".
 */
function politeRequest(ctx: ClauseContext): Trigger | null {
  const { words, clause } = ctx;
  const h = ctx.head.head;
  const end = clause.end;
  const base = { head: h, end };
  const request = (verb: number, owner: string | null, named: boolean, strength: number): Trigger | null => {
    const v = words[verb] ?? '';
    // After a modal, any word that can be a verb is one ("could clean up …").
    const verbal = looksImperativeBefore(v, words[verb + 1] ?? '') || (canBeVerb(v) && !isGerund(v) && !isPastTense(v));
    if (verb >= end || NOT_TASK_AFTER_YOU.has(v) || AUX.has(v) || !verbal) return null;
    return trig({
      ...base,
      kind: 'request',
      owner,
      addressed: true,
      verb,
      strength: named ? strength : strength - 0.15,
    });
  };
  // "would you …" without a name is often a hypothetical ("would you hire him?"); with one, a request.
  if (words[h] === 'would' && words[h + 1] === 'you' && ctx.head.vocative)
    return request(h + 2, ctx.head.vocative, true, 0.8);
  const chance = matchAt(words, h, ANY_CHANCE);
  if (chance > 0) {
    const to = addressee(ctx);
    const verb = h + chance;
    // "any chance we see a prototype by Friday": what we would get is what they deliver.
    const receive = words.slice(h, verb).includes('we') && ['see', 'get', 'have'].includes(words[verb] ?? '');
    if (to.owner && receive && verb + 1 < end)
      return trig({
        ...base,
        kind: 'request',
        owner: to.owner,
        addressed: true,
        verb: verb + 1,
        strength: to.named ? 0.7 : 0.55,
        prefix: 'deliver',
      });
    if (to.owner) return request(verb, to.owner, to.named, 0.7);
  }
  // "if you could …" opening a sentence that ends "that would be great".
  let at = -1;
  const wrap = matchAny(words, h, WRAPPED_REQUEST);
  if (wrap) at = h + wrap.len;
  else if (words[h] === 'if' && findTail(words, h, ctx.sentenceEnd)) at = h + 1;
  if (at < 0) return null;
  const who = words[at] === 'you' ? { id: null, len: 1 } : ctx.names.matchAt(ctx.tokens, at);
  if (!who || !POLITE_MODALS.has(words[at + who.len] ?? '')) return null;
  const verb = at + who.len + 1 + (words[at + who.len + 1] === 'please' ? 1 : 0);
  if (who.id) return request(verb, who.id, true, 0.75);
  const to = addressee(ctx);
  // "If you could send me the invoices, Dana, that would be great": the name opens the next clause.
  const next = to.named ? null : ctx.names.matchAt(ctx.tokens, end);
  if (next && matchAt(words, end + next.len, REQUEST_TAIL) > 0) return request(verb, next.id, true, 0.75);
  return request(verb, to.owner, to.named, 0.75);
}

function findTail(words: readonly string[], from: number, end: number): boolean {
  for (let i = from + 1; i < end; i++) if (matchAt(words, i, REQUEST_TAIL) > 0) return true;
  return false;
}

/** "I'll …", "we need to …", "Dana will …": a subject and its modal chain. */
function subjectTrigger(
  ctx: ClauseContext,
  chain: Chain,
  owner: string | null,
  kind: 'self' | 'group' | 'third',
): Trigger | null {
  const { words } = ctx;
  const h = ctx.head.head;
  const end = ctx.clause.end;
  const base = { head: h, end, negated: chain.negated, hedged: chain.hedged };
  const verbWord = words[chain.verb] ?? '';
  if (chain.kind === 'none' || chain.kind === 'past') return null;
  // "I can't", "I won't": a refusal even without a verb after it.
  if (chain.negated && (chain.verb >= end || !/^[a-z]/.test(verbWord)))
    return trig({ ...base, kind, owner, verb: chain.verb, strength: 0 });
  if (chain.kind === 'onIt')
    return trig({ ...base, kind: kind === 'third' ? 'assign' : 'accept', owner, verb: chain.verb, strength: 0.9 });
  if (chain.kind === 'needThing' || chain.kind === 'needPerson') {
    if (kind === 'third') return null;
    return needTrigger(ctx, chain);
  }
  if (chain.kind === 'have') {
    if (kind === 'third') return trig({ ...base, kind: 'third', owner, verb: chain.verb, strength: 0.7 });
    return trig({
      ...base,
      kind: kind === 'group' ? 'group' : 'delivery',
      owner,
      verb: chain.verb,
      strength: STRENGTH.have ?? 0.8,
    });
  }
  if (chain.verb >= end || !/^[a-z]/.test(verbWord)) return null;
  if (
    kind === 'self' &&
    (SELF_META_VERBS.has(verbWord) || isGoMeta(words, chain.verb)) &&
    !seesSomeone(words, chain.verb)
  )
    return null;
  // "I'll hold you to that": a reply to a promise, not work.
  if (verbWord === 'hold' && words[chain.verb + 1] === 'you' && words[chain.verb + 2] === 'to') return null;
  if (kind === 'self' && LEAVING.has(verbWord) && !takesObject(words[chain.verb + 1] ?? '')) return null;
  if (kind === 'group' && (MEETING_VERBS.has(verbWord) || chain.kind === 'can' || chain.kind === 'weak')) return null;
  if (kind === 'group' && chain.kind === 'progressive' && !isGerund(verbWord)) return null;
  if (kind === 'self' && SCHEDULING.has(verbWord) && words[chain.verb + 1] === 'for') {
    return trig({ ...base, kind: 'delivery', owner, verb: chain.verb, strength: 0.7, timing: true });
  }
  if (verbWord === 'pass' && kind === 'self')
    return trig({ ...base, kind: 'self', owner, verb: chain.verb, strength: 0, negated: true });
  let strength = STRENGTH[chain.kind] ?? 0.5;
  if (chain.tryTo) strength -= 0.2;
  if (kind === 'group') strength -= 0.15;
  if (kind === 'third') strength -= chain.kind === 'future' ? 0.1 : 0.05;
  if (isPastTense(verbWord) && chain.kind !== 'progressive' && !['future', 'must'].includes(chain.kind)) return null;
  const future = chain.kind === 'future' || chain.kind === 'progressive';
  return trig({ ...base, kind, owner, verb: chain.verb, strength, needsDate: chain.kind === 'progressive', future });
}

/** "I'll see him first on my round", "I'll see the patient": a visit, unlike "I'll see what I can do". */
function seesSomeone(words: readonly string[], i: number): boolean {
  const next = words[i + 1] ?? '';
  return words[i] === 'see' && (['him', 'her', 'them'].includes(next) || DETERMINERS.has(next));
}

/** "drop the link" has an object; "drop, sorry" is leaving. */
function takesObject(next: string): boolean {
  return (
    DETERMINERS.has(next) ||
    ['it', 'them', 'this', 'that', 'me', 'him', 'her', 'us'].includes(next) ||
    next.endsWith("'s")
  );
}

function isGoMeta(words: readonly string[], i: number): boolean {
  return (
    words[i] === 'go' &&
    ['first', 'ahead', 'next', 'last', 'through', 'over', 'around', 'back'].includes(words[i + 1] ?? '')
  );
}

/** "I need the deck by Thursday", "Julia, I need the plan from you", "I need you to …". */
function needTrigger(ctx: ClauseContext, chain: Chain): Trigger | null {
  const { words } = ctx;
  const h = ctx.head.head;
  const end = ctx.clause.end;
  const obj = chain.verb;
  const base = { head: h, end, negated: chain.negated, hedged: chain.hedged };
  if (chain.kind === 'needPerson') {
    // need you/NAME/the cfo to VERB
    let k = obj;
    while (k < end && words[k] !== 'to') k++;
    const who = words[obj] === 'you' ? addressee(ctx) : null;
    const name = ctx.names.matchAt(ctx.tokens, obj);
    if (who)
      return trig({
        ...base,
        kind: 'request',
        owner: who.owner,
        addressed: true,
        verb: k + 1,
        strength: who.named ? 0.8 : 0.65,
      });
    if (name && name.id !== ctx.speaker)
      return trig({ ...base, kind: 'third', owner: name.id, addressed: true, verb: k + 1, strength: 0.7 });
    // "I need someone to review my PR" asks the room.
    if (['someone', 'somebody', 'anyone', 'anybody', 'volunteers'].includes(words[obj] ?? '')) {
      return trig({ ...base, kind: 'group', owner: null, addressed: true, verb: k + 1, strength: 0.6 });
    }
    // "I need the CFO to sign off": someone outside the meeting; the work is getting it done.
    return trig({
      ...base,
      kind: 'need',
      owner: null,
      verb: obj,
      strength: 0.6,
      latentUnlessDated: true,
      prefix: 'get',
    });
  }
  if (obj >= end) return null;
  // "We need someone on the Acme ticket": staffing a piece of work.
  if (['someone', 'somebody'].includes(words[obj] ?? '') && ['on', 'for'].includes(words[obj + 1] ?? '')) {
    return trig({
      ...base,
      kind: 'group',
      owner: null,
      addressed: true,
      verb: obj + 2,
      strength: 0.6,
      prefix: 'handle',
    });
  }
  if (ctx.head.vocative)
    return trig({
      ...base,
      kind: 'request',
      owner: ctx.head.vocative,
      addressed: true,
      verb: obj,
      strength: 0.75,
      prefix: 'deliver',
    });
  return trig({
    ...base,
    kind: 'need',
    owner: null,
    verb: obj,
    strength: 0.6,
    latentUnlessDated: true,
    prefix: 'deliver',
  });
}

function youTrigger(ctx: ClauseContext, chain: Chain): Trigger | null {
  const h = ctx.head.head;
  const end = ctx.clause.end;
  const base = { head: h, end, negated: chain.negated, hedged: chain.hedged };
  // "You'll have it tomorrow": the speaker promises delivery.
  if (chain.kind === 'have')
    return trig({ ...base, kind: 'delivery', owner: ctx.speaker, verb: chain.verb, strength: 0.85 });
  const to = addressee(ctx);
  if (chain.kind === 'progressive' || chain.kind === 'onIt') {
    return trig({
      ...base,
      kind: 'assign',
      owner: to.owner,
      addressed: true,
      verb: chain.verb,
      strength: to.named ? 0.7 : 0.5,
    });
  }
  if (!['future', 'must', 'should'].includes(chain.kind) || chain.verb >= end) return null;
  const strength = (chain.kind === 'should' ? 0.55 : 0.75) - (to.named ? 0 : 0.15);
  return trig({ ...base, kind: 'request', owner: to.owner, addressed: true, verb: chain.verb, strength });
}

/** "The runbook needs updating", "the copy needs to be reviewed": work with no owner. */
function passiveNeed(ctx: ClauseContext): Trigger | null {
  const { words } = ctx;
  const h = ctx.head.head;
  const end = ctx.clause.end;
  for (let k = h + 1; k < Math.min(end, h + 7); k++) {
    const w = words[k] ?? '';
    if (w !== 'needs' && w !== 'need') continue;
    const next = words[k + 1] ?? '';
    // "The warehouse audit needs an owner": work waiting for a volunteer.
    if (matchAt(words, k + 1, NEEDS_OWNER) > 0 && k > h && !SUBJECT_PRONOUNS_SET.has(words[h] ?? '')) {
      return trig({
        head: h,
        verb: h,
        end: k,
        kind: 'group',
        owner: null,
        strength: 0.6,
        prefix: 'handle',
        latentUnlessDated: true,
      });
    }
    const gerund = isGerund(next) && !['nothing', 'something', 'anything'].includes(next);
    const passive = next === 'to' && words[k + 2] === 'be' && isPastTense(words[k + 3] ?? '');
    if (!gerund && !passive) return null;
    return trig({
      head: h,
      verb: gerund ? k + 1 : k + 3,
      end,
      kind: 'group',
      owner: null,
      strength: 0.55,
      objectSpan: [h, k],
    });
  }
  return null;
}

/** "let's …": a decision ("let's go with X"), a task for the group ("let's get X fixed"), or meeting talk. */
function letsClause(ctx: ClauseContext, v: number): ClauseFinding {
  const { words } = ctx;
  const h = ctx.head.head;
  const end = ctx.clause.end;
  const none = { trigger: null, decision: null };
  let k = v;
  while (['just', 'also', 'definitely', 'maybe', 'probably', 'then', 'all'].includes(words[k] ?? '')) k++;
  const verb = words[k] ?? '';
  const next = words[k + 1] ?? '';
  if (verb === 'not' || verb === 'never') return none;
  // "let's have Alice draft the email", "let's get Bob to call them"
  if (verb === 'have' || verb === 'get' || verb === 'ask') {
    const name = ctx.names.matchAt(ctx.tokens, k + 1);
    if (name) {
      const after = k + 1 + name.len + (words[k + 1 + name.len] === 'to' ? 1 : 0);
      return {
        trigger: trig({ head: h, end, kind: 'third', owner: name.id, verb: after, strength: 0.75 }),
        decision: null,
      };
    }
  }
  const decision = { head: h, verb: k, end, strength: 0.7 };
  if ((verb === 'go' || verb === 'stick' || verb === 'stay') && next === 'with')
    return { trigger: null, decision: { ...decision, strength: 0.85 } };
  // "let's go co-branded": going with an option, unlike "let's go around".
  if (verb === 'go' && next && !GO_MOVES.has(next)) return { trigger: null, decision: { ...decision, strength: 0.75 } };
  if (verb === 'do' && ['that', 'it', 'this'].includes(next)) return { trigger: null, decision };
  // "let's get the copy reviewed": causative get/have + object + participle is work to be done.
  if (verb === 'get' || verb === 'have') {
    for (let j = k + 2; j < Math.min(end, k + 9); j++) {
      const w = words[j] ?? '';
      if (isPastTense(w) || PARTICIPLES.has(w)) {
        return { trigger: trig({ head: h, end, kind: 'group', owner: null, verb: k, strength: 0.65 }), decision: null };
      }
    }
  }
  if (verb === 'make' && next === 'sure')
    return { trigger: trig({ head: h, end, kind: 'group', owner: null, verb: k, strength: 0.6 }), decision: null };
  // "let's keep it tight" is about the meeting, not a decision.
  if (verb === 'keep' && ['it', 'this', 'things'].includes(next) && isAdjective(words[k + 2] ?? '')) return none;
  if (DECISION_VERBS.has(verb)) return { trigger: null, decision };
  if (MEETING_VERBS.has(verb) || verb === 'be' || verb === 'keep' || verb === 'take') return none;
  // Anything else is group work only with a date ("let's do a follow-up review in two weeks").
  return {
    trigger: trig({ head: h, end, kind: 'group', owner: null, verb: k, strength: 0.6, needsDate: true }),
    decision: null,
  };
}
