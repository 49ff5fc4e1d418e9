import { FILLERS } from './lexicon.ts';
import { matchAny, pattern } from './match.ts';

// How a turn opens: with a yes to whatever was just asked ("Sure.", "Will do.", "Yep, on it."),
// a no ("Sorry, I can't"), or neither.

export type Acceptance = 'strong' | 'weak' | null;

const STRONG = [
  'will do',
  'i will do it|that|this',
  'on it',
  'i am on it',
  'can do',
  'happy to',
  'consider it done',
  'you got it',
  'leave it with me',
  'no problem',
  'not a problem',
  'sure thing',
  'of course',
  'i have got it|this|that',
  'i got it|this|that',
  'count me in',
  'i will take it|that|this',
  'i can take it|that|this',
  'i can do it|that|this',
  'i will handle it|that|this',
  'i will take care of it|that|this',
  'absolutely',
  'done',
  'deal',
  'that will be me',
].map(pattern);
const WEAK = [
  'sure',
  'yes',
  'yep',
  'yeah',
  'yup',
  'ok|okay',
  'got it',
  'fine',
  'sounds good',
  'works for me',
  'that works',
  'alright',
  'definitely',
  'understood',
  'will try',
].map(pattern);
const DECLINE = [
  'no',
  'nope',
  'sorry',
  'i can not',
  'i will not',
  'i am not able',
  'i will not be able',
  'i do not have time|the bandwidth',
  'not me',
  'i will pass',
  'i would rather not',
].map(pattern);
/** "Already did it yesterday", "that's already sorted": the work asked for is done, nothing to track. */
const ALREADY_DONE = [
  'i? already did|done|sorted|fixed|handled|sent|booked',
  'i have already done|did|sorted|fixed|handled|sent|booked',
  'that|it is already done|sorted|handled|taken care',
].map(pattern);

/** Taking on work nobody has yet: "leave it with me", "I'm on it", "consider it done", "I've got this". */
const VOLUNTEERING = [
  'leave it|that|this with me',
  'i am on it|that|this',
  'on it',
  'consider it done',
  'i have got it|this|that',
  'i got it|this|that',
  'i will take it|that|this',
  'i can take it|that|this',
  'i will handle it|that|this',
  'i will take care of it|that|this',
  'that will be me',
  'i will do it|that|this',
  'i can do it|that|this',
  'i will own it|that|this',
].map(pattern);

/** The turn opens by volunteering for whatever is on the table. */
export function opensByVolunteering(words: readonly string[]): boolean {
  let i = 0;
  while (i < words.length && (FILLERS.has(words[i] ?? '') || OPENERS.has(words[i] ?? ''))) i++;
  return !!matchAny(words, i, VOLUNTEERING);
}

const OPENERS = new Set(['okay', 'ok', 'sure', 'yes', 'yeah', 'yep', 'fine', 'alright', 'right', 'so']);

export function openingAcceptance(words: readonly string[]): Acceptance {
  let i = 0;
  while (i < words.length && FILLERS.has(words[i] ?? '')) i++;
  const decline = matchAny(words, i, DECLINE);
  // "no problem" is a yes.
  if (decline && !matchAny(words, i, STRONG)) return null;
  for (let k = i; k < Math.min(words.length, i + 4); k++) {
    if (matchAny(words, k, STRONG)) return 'strong';
  }
  return matchAny(words, i, WEAK) ? 'weak' : null;
}

export function opensWithDecline(words: readonly string[]): boolean {
  let i = 0;
  while (i < words.length && FILLERS.has(words[i] ?? '')) i++;
  return !!matchAny(words, i, DECLINE) && !matchAny(words, i, STRONG);
}

export function opensWithAlreadyDone(words: readonly string[]): boolean {
  let i = 0;
  while (i < words.length && (FILLERS.has(words[i] ?? '') || OPENERS.has(words[i] ?? '') || words[i] === 'oh')) i++;
  return !!matchAny(words, i, ALREADY_DONE);
}
