import { type Analysis, findingsWithin } from './analysis.ts';
import type { Finding } from './findings.ts';
import { topKeywords } from './keywords.ts';
import { slideTitle } from './slides.ts';
import { fitLength, sentenceCase, titleCase } from './text.ts';

export const MAX_TITLE = 80;

/** The decision, else the strongest action item, of a window. */
export function leadFinding(findings: readonly Finding[]): Finding | null {
  const rank = (f: Finding) => (f.kind === 'decision' ? 1 : 0) + f.weight;
  return [...findings].sort((a, b) => rank(b) - rank(a) || a.first - b.first)[0] ?? null;
}

/**
 * A clip's title: the OCR title of the slide shown longest among those appearing in it, else its
 * decision or action item, else its top keywords; at most 80 characters.
 */
export function titleFor(a: Analysis, start: number, end: number, first: number, last: number): string {
  const slide = slideTitle(a.slides, start, end);
  if (slide) return slide;
  const lead = leadFinding(findingsWithin(a, first, last));
  if (lead) return fitLength(sentenceCase(lead.text), MAX_TITLE);
  const words = topKeywords(a.keywords, first, last, 3);
  if (words.length) return fitLength(titleCase(words.join(', ')), MAX_TITLE);
  return fitLength(sentenceCase(a.units[first]?.text ?? ''), MAX_TITLE) || 'Highlight';
}
