import { numberToWords, ordinalToWords } from './numbers.ts';

// Simulates what a speech recogniser emits for a written sentence: lowercase words, no
// punctuation (apostrophes inside words stay, as most ASR engines keep "i'll"), numbers spelled.

const SCALE_WORDS: Record<string, number> = { k: 1e3, thousand: 1e3, m: 1e6, million: 1e6, bn: 1e9, billion: 1e9 };

function spellNumber(s: string): string {
  const clean = s.replace(/,/g, '');
  const [int = '0', frac] = clean.split('.');
  const whole = numberToWords(Number(int));
  if (!frac) return whole;
  return `${whole} point ${[...frac].map((d) => numberToWords(Number(d))).join(' ')}`;
}

function spellYearOrNumber(s: string): string {
  const n = Number(s);
  if (s.length === 4 && n >= 2010 && n <= 2099) return `twenty ${numberToWords(n % 100)}`;
  if (s.length === 4 && n >= 1900 && n < 2000) return `nineteen ${numberToWords(n % 100)}`;
  return spellNumber(s);
}

function spellTime(h: string, m: string): string {
  const mm = Number(m);
  const minutes = mm === 0 ? '' : mm < 10 ? ` oh ${numberToWords(mm)}` : ` ${numberToWords(mm)}`;
  return `${numberToWords(Number(h))}${minutes}`;
}

export function asrNormalise(text: string): string {
  let s = text.replace(/[’‘]/g, "'");
  s = s.replace(
    /\b([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)\b/g,
    (_m, user: string, host: string) => `${user.replace(/\./g, ' dot ')} at ${host.replace(/\./g, ' dot ')}`,
  );
  s = s.replace(/https?:\/\/(\S+)/g, (_m, rest: string) => rest.replace(/\./g, ' dot ').replace(/\//g, ' slash '));
  s = s.replace(
    /\$(\d[\d,]*(?:\.\d+)?)(?:\s*(k|m|bn|thousand|million|billion)\b)?/gi,
    (_m, num: string, scale?: string) => {
      const mult = scale ? (SCALE_WORDS[scale.toLowerCase()] ?? 1) : 1;
      const value = Number(num.replace(/,/g, '')) * mult;
      return `${Number.isInteger(value) ? numberToWords(value) : spellNumber(String(value))} dollars`;
    },
  );
  s = s.replace(/(\d+(?:\.\d+)?)\s*%/g, (_m, num: string) => `${spellNumber(num)} percent`);
  s = s.replace(/\b(\d{1,2}):(\d{2})\b/g, (_m, h: string, m: string) => spellTime(h, m));
  s = s.replace(/\b(\d+)(st|nd|rd|th)\b/gi, (_m, num: string) => ordinalToWords(Number(num)));
  s = s.replace(/\b(\d{1,3}(?:,\d{3})+|\d+\.\d+)\b/g, (m) => spellNumber(m));
  s = s.replace(/\b([a-z]+)(\d+)\b/gi, (_m, letters: string, num: string) => `${letters} ${spellNumber(num)}`);
  s = s.replace(/\b\d+\b/g, (m) => spellYearOrNumber(m));
  s = s
    .replace(/\b([ap])\.m\./gi, '$1 m')
    .replace(/&/g, ' and ')
    .replace(/\+/g, ' plus ');
  s = s.toLowerCase();
  // Apostrophes survive only between letters ("i'll", "bob's").
  s = s.replace(/(?<![a-z])'|'(?![a-z])/g, ' ');
  s = s.replace(/[^a-z0-9' ]+/g, ' ');
  return s.replace(/\s+/g, ' ').trim();
}
