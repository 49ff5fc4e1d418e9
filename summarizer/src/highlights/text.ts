// Word normalisation and display casing shared by titles, keywords, captions and quote matching.

/** Lowercase tokens without punctuation; apostrophes inside words stay ("i'll"), hyphens split. */
export function tokensOf(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .split(' ')
    .map((t) => t.replace(/^'+|'+$/g, ''))
    .filter(Boolean);
}

const SMALL_WORDS = new Set(
  'a an and as at but by for from in into nor of on onto or over per the to up via vs with'.split(' '),
);

/** "sales numbers" → "Sales Numbers"; small words stay lowercase inside; all-caps OCR is tamed. */
export function titleCase(text: string): string {
  const shouting = /\p{Lu}/u.test(text) && !/\p{Ll}/u.test(text);
  const words = (shouting ? text.toLowerCase() : text).split(' ').filter(Boolean);
  return words
    .map((w, i) => {
      if (i > 0 && SMALL_WORDS.has(w.toLowerCase())) return w.toLowerCase();
      return w.charAt(0).toUpperCase() + w.slice(1);
    })
    .join(' ');
}

/** Raw ASR text as a sentence: capital first letter and a capital "I". */
export function sentenceCase(text: string): string {
  const s = fixPronounI(text.trim());
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** "i" and its contractions ("i'll", "i'm") are always capitalised in display text. */
export function fixPronounI(text: string): string {
  return text.replace(/(^|[^\p{L}'])i(?=$|[^\p{L}]|'(?:m|ll|d|ve|re)\b)/gu, '$1I');
}

/** Cuts at a word boundary so the text fits `max` characters. */
export function fitLength(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max + 1);
  const space = cut.lastIndexOf(' ');
  return (space > max / 2 ? cut.slice(0, space) : text.slice(0, max)).replace(/[\s,;:.-]+$/, '');
}

/** First informative line of OCR output: stray symbols removed, spaces collapsed. */
export function cleanOcrLine(text: string): string {
  for (const line of text.split(/\r?\n/)) {
    const clean = line
      .replace(/[^\p{L}\p{N}\s&'’,.:!?%$€£-]+/gu, ' ')
      .replace(/\s+/g, ' ')
      .replace(/^[\s,.:;!?-]+|[\s,.:;-]+$/g, '')
      .trim();
    if ((clean.match(/\p{L}/gu)?.length ?? 0) >= 2) return clean;
  }
  return '';
}
