import { isGerund } from './pos.ts';

// Reads the auxiliary chain after a subject ("'ll just try to", "am going to", "can't", "need to")
// and classifies the commitment it expresses, so "I'll send", "I can send", "I could send" and
// "I won't send" are told apart by structure rather than by listing sentences.

export type ChainKind =
  | 'future' // will, going to
  | 'can'
  | 'weak' // could, might, may
  | 'should'
  | 'must' // need to, have to, must
  | 'want' // want to, would like to
  | 'offer' // happy to, would be glad to
  | 'progressive' // am sending (future only with a date)
  | 'needThing' // need/want + noun phrase: a request to others
  | 'needPerson' // need you/NAME to …
  | 'have' // will/can/should have (it) … : a delivery promise
  | 'onIt' // am on it
  | 'past'
  | 'none';

export type Chain = { kind: ChainKind; negated: boolean; hedged: boolean; tryTo: boolean; verb: number };

const ADVERBS = new Set([
  'also',
  'just',
  'really',
  'still',
  'definitely',
  'probably',
  'actually',
  'then',
  'totally',
  'personally',
  'happily',
  'gladly',
  'now',
  'first',
  'quickly',
  'honestly',
  'maybe',
  'even',
  'certainly',
  'absolutely',
  'always',
  'all',
  'both',
  'each',
  'hopefully',
  'literally',
  'right',
  'already',
  'never',
  'pretty',
  'so',
]);
const HEDGES = new Set(['probably', 'maybe', 'hopefully', 'possibly', 'perhaps']);

export function readChain(words: readonly string[], start: number, end: number): Chain {
  let p = start;
  let negated = false;
  let hedged = false;
  let tryTo = false;
  const skip = () => {
    while (p < end && (ADVERBS.has(words[p] ?? '') || words[p] === 'not')) {
      const w = words[p] ?? '';
      if (w === 'not' || w === 'never') negated = true;
      if (HEDGES.has(w)) hedged = true;
      p++;
    }
  };
  const at = (k: number) => words[p + k] ?? '';
  const done = (kind: ChainKind, verb = p): Chain => ({ kind, negated, hedged, tryTo, verb });

  // After "will"/"can"/…: what the main verb turns out to be.
  const afterModal = (kind: ChainKind): Chain => {
    skip();
    if (at(0) === 'be' && at(1) === 'able' && at(2) === 'to') {
      p += 3;
      skip();
    }
    if ((at(0) === 'try' || at(0) === 'attempt') && (at(1) === 'to' || at(1) === 'and')) {
      tryTo = true;
      p += 2;
      skip();
    }
    if (at(0) === 'go' && at(1) === 'ahead' && at(2) === 'and') p += 3;
    if ((at(0) === 'need' || at(0) === 'want') && at(1) === 'to') return done('must', p + 2);
    if (at(0) === 'need' || at(0) === 'want') return needOrPerson();
    if (at(0) === 'have' && at(1) !== 'to') return done('have');
    if (at(0) === 'be' && isGerund(at(1))) return done(kind, p + 1);
    if (at(0) === 'be') return done('none');
    return done(kind);
  };
  const needOrPerson = (): Chain => {
    p++;
    skip();
    if (at(0) === 'to') return done('must', p + 1);
    // "need you to", "need bob to", "need the cfo to sign off"
    for (let k = 0; k < 5 && p + k < end; k++) {
      if (at(k) === 'to' && k > 0) return done('needPerson');
    }
    return done('needThing');
  };

  skip();
  const w = at(0);
  if (w === 'will' || w === 'shall') {
    p++;
    return afterModal('future');
  }
  if (w === 'can') {
    p++;
    return afterModal('can');
  }
  if (w === 'could' || w === 'might' || w === 'may') {
    p++;
    return afterModal('weak');
  }
  if (w === 'should') {
    p++;
    return afterModal('should');
  }
  if (w === 'must') {
    p++;
    return afterModal('must');
  }
  if (w === 'would') {
    p++;
    skip();
    // "I'd like to …" is a wish; "I'd like the deck by Friday" asks for something.
    if ((at(0) === 'like' || at(0) === 'love') && at(1) === 'to') return done('none');
    if (at(0) === 'like' || at(0) === 'love') return needOrPerson();
    if (at(0) === 'be' && ['happy', 'glad', 'willing'].includes(at(1)) && at(2) === 'to') return done('offer', p + 3);
    return done('none');
  }
  if (w === 'am' || w === 'are' || w === 'is') {
    p++;
    skip();
    if ((at(0) === 'going' || at(0) === 'about') && at(1) === 'to') {
      p += 2;
      return afterModal('future');
    }
    if (['happy', 'glad', 'willing'].includes(at(0)) && at(1) === 'to') return done('offer', p + 2);
    if (at(0) === 'on' && ['it', 'that', 'this'].includes(at(1))) return done('onIt');
    if (isGerund(at(0))) return done('progressive');
    return done('none');
  }
  if ((w === 'need' || w === 'needs' || w === 'want' || w === 'wants') && at(1) !== 'to') return needOrPerson();
  if ((w === 'need' || w === 'needs' || w === 'want' || w === 'wants') && at(1) === 'to') return done('must', p + 2);
  if ((w === 'have' || w === 'has') && at(1) === 'to') return done('must', p + 2);
  if ((w === 'have' || w === 'has') && at(1) === 'got' && at(2) === 'to') return done('must', p + 3);
  if (w === 'got' && at(1) === 'to') return done('must', p + 2);
  if ((w === 'do' || w === 'does') && at(1) === 'not') {
    p += 2;
    negated = true;
    skip();
    if ((at(0) === 'need' || at(0) === 'have') && at(1) === 'to') return done('must', p + 2);
    return done('none');
  }
  if (['was', 'were', 'had', 'did', 'have', 'has'].includes(w)) return done('past');
  return done('none');
}
