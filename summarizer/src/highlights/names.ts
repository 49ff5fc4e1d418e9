import nlp from 'compromise';
import { AUX, MONTHS, STOPWORDS, WEEKDAYS } from '../rules/lexicon.ts';
import type { Participant } from '../rules/types.ts';
import { tokensOf } from './text.ts';

// A webinar's speakers are unknown, but the rules engine only assigns "bob will call …" to bob
// when bob is a participant. First names from compromise's lexicon, seen right before a modal
// ("bob will", "sarah can"), are taken as participants; lookups are per word, so this is cheap.

type Lexicon = {
  model: { one: { lexicon: Record<string, string | string[]> }; two: { switches: Record<string, string> } };
};

const world = (nlp as unknown as { world: () => Lexicon }).world();
const NAME_TAGS = new Set(['FirstName', 'MaleName', 'FemaleName']);
const MODAL_AFTER_NAME = new Set(['will', 'can', 'could', 'should', 'would', 'must', 'shall', 'is', 'has', 'needs']);
/** A word after these is part of a noun phrase ("the mark will …"), not a name. */
const NOT_BEFORE_NAME = new Set(['the', 'a', 'an', 'this', 'that', 'our', 'your', 'my', 'their', 'his', 'her', 'its']);

function isFirstName(word: string): boolean {
  if (word.length < 2 || STOPWORDS.has(word) || AUX.has(word) || MONTHS.includes(word) || WEEKDAYS.includes(word)) {
    return false;
  }
  const tags = world.model.one.lexicon[word];
  if ((Array.isArray(tags) ? tags : [tags]).some((t) => t !== undefined && NAME_TAGS.has(t))) return true;
  return (world.model.two.switches[word] ?? '').startsWith('Person');
}

/** Names that speak for themselves in the transcript ("bob will call the customer"), as participants. */
export function guessParticipants(texts: readonly string[]): Participant[] {
  const names = new Set<string>();
  for (const text of texts) {
    const t = tokensOf(text);
    for (let i = 0; i < t.length; i++) {
      const w = t[i] ?? '';
      const next = t[i + 1] ?? '';
      const named = MODAL_AFTER_NAME.has(next) || next === 'and' || /^[a-z]+'ll$/.test(w);
      const base = w.replace(/'ll$/, '');
      if (named && !NOT_BEFORE_NAME.has(t[i - 1] ?? '') && isFirstName(base)) names.add(base);
    }
  }
  return [...names].sort().map((n) => ({ id: n, name: n }));
}
