import nlp from 'compromise';

// Word-level part-of-speech lookups from compromise's lexicon. Tagging whole sentences with
// compromise costs ~1.5 ms each; single-word lookups are microseconds and deterministic.

type World = {
  model: { one: { lexicon: Record<string, string | string[]> }; two: { switches: Record<string, string> } };
  methods: { two: { transform: { verb: { toInfinitive: (w: string, model: unknown, tense: string) => string } } } };
};

const world = (nlp as unknown as { world: () => World }).world();
const lexicon = world.model.one.lexicon;
const switches = world.model.two.switches;
const toInfinitive = world.methods.two.transform.verb.toInfinitive;

const VERB_TAGS = new Set(['Infinitive', 'PresentTense', 'PastTense', 'Gerund', 'Participle', 'Verb', 'Imperative']);

const NO_TAGS: readonly string[] = [];

function tagsOf(word: string): readonly string[] {
  const t = lexicon[word];
  if (t === undefined) return NO_TAGS;
  return Array.isArray(t) ? t : [t];
}

/** True when the lexicon knows the word as a verb form (including noun/verb switches like "call"). */
export function canBeVerb(word: string): boolean {
  if (tagsOf(word).some((t) => VERB_TAGS.has(t))) return true;
  return (switches[word] ?? '').includes('Verb');
}

export function isKnownWord(word: string): boolean {
  return lexicon[word] !== undefined || switches[word] !== undefined;
}

export function isAdjective(word: string): boolean {
  const tags = tagsOf(word);
  return tags.includes('Adjective') || tags.includes('Comparative') || tags.includes('Superlative');
}

export function isPastTense(word: string): boolean {
  if (tagsOf(word).includes('PastTense')) return true;
  // Unknown regular past forms ("deduped", "pinged").
  return !isKnownWord(word) && /[a-z]{3,}ed$/.test(word);
}

export function isGerund(word: string): boolean {
  return (
    /[a-z]{2,}ing$/.test(word) &&
    ![
      'thing',
      'nothing',
      'something',
      'anything',
      'everything',
      'morning',
      'evening',
      'spring',
      'string',
      'ring',
      'king',
      'bring',
      'sing',
    ].includes(word)
  );
}

/** "calling" → "call", "cleaned" → "clean"; other words unchanged. */
export function baseForm(word: string): string {
  if (isGerund(word)) return toInfinitive(word, world.model, 'Gerund') || word;
  if (/ed$/.test(word) && (isPastTense(word) || tagsOf(word).includes('Adjective'))) {
    return toInfinitive(word, world.model, 'PastTense') || word;
  }
  return word;
}

/** A word that can start an imperative ("send", "ping"): a base verb, or unknown to the lexicon. */
export function looksImperative(word: string): boolean {
  if (!/^[a-z]+$/.test(word)) return false;
  const tags = tagsOf(word);
  if (tags.includes('Infinitive') || (switches[word] ?? '').includes('Verb')) return true;
  if (tags.length === 0 && switches[word] === undefined) return !isGerund(word) && !/(ed|ly|s)$/.test(word);
  return tags.includes('Singular') && canBeVerb(word);
}

const VERB_OBJECT_STARTS = new Set([
  'the',
  'a',
  'an',
  'our',
  'my',
  'your',
  'their',
  'this',
  'that',
  'these',
  'those',
  'it',
  'them',
  'up',
  'out',
  'off',
  'down',
]);

/**
 * Like looksImperative, but also takes words the lexicon files as adjectives when an object or a
 * particle follows: "clean up the checklist", "clear the backlog", "close the loop", "open a ticket".
 */
export function looksImperativeBefore(word: string, next: string): boolean {
  if (looksImperative(word)) return true;
  // Participles ("fixed", "finished") and "-ly"/"-ous" words never start an imperative.
  if (!/^[a-z]+$/.test(word) || /(ed|ing|ly|ous|ful|al|ive|ic)$/.test(word) || isPastTense(word)) return false;
  return isAdjective(word) && VERB_OBJECT_STARTS.has(next);
}
