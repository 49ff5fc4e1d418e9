import { asrNormalise } from '../rules/index.ts';

// Content words for matching predicted to expected text. Both sides go through the same ASR
// normalisation first, so "$12,000" and "twelve thousand dollars" compare equal.

const STOPWORDS = new Set(
  (
    'a an the and or but nor so to of for with from at in on by about into onto over under after before until than ' +
    'as if then that this these those it its i me my we us our you your he him his she her they them their ' +
    'is am are was were be been being have has had do does did will would can could should shall may might must ' +
    'not no all any some each every there here what which who whom when where why how up out off just also too ' +
    'very really please'
  ).split(' '),
);

/** Simple suffix stemming: "calling" → "call", "updates" → "updat", "reviewed" → "review". */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  // "running" → "runn" → "run"; "planned" → "plann" → "plan"
  if (/([bdfgklmnprt])\1$/.test(w)) w = w.slice(0, -1);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

export function contentSet(text: string): Set<string> {
  return new Set(
    asrNormalise(text)
      .split(/\s+/)
      .map((w) => w.replace(/'s$/, '').replace(/'/g, ''))
      .filter((w) => w.length > 0 && !STOPWORDS.has(w))
      .map(stem),
  );
}

/** |A ∩ B| / min(|A|, |B|); 0 when either side has no content words. */
export function overlapCoefficient(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return shared / Math.min(a.size, b.size);
}
