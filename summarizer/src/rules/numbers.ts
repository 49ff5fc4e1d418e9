// Numbers as words both ways: spelling digits like ASR does, and reading spoken numbers back.

const ONES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES: [number, string][] = [
  [1e9, 'billion'],
  [1e6, 'million'],
  [1e3, 'thousand'],
];

function below1000(n: number): string {
  const parts: string[] = [];
  if (n >= 100) {
    parts.push(`${ONES[Math.floor(n / 100)]} hundred`);
    n %= 100;
  }
  if (n >= 20) {
    parts.push(TENS[Math.floor(n / 10)] ?? '');
    if (n % 10) parts.push(ONES[n % 10] ?? '');
  } else if (n > 0 || parts.length === 0) {
    parts.push(ONES[n] ?? '');
  }
  return parts.join(' ');
}

/** 12000 → "twelve thousand", 3200 → "three thousand two hundred". Integers only. */
export function numberToWords(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n < 0) return `minus ${numberToWords(-n)}`;
  n = Math.floor(n);
  if (n < 1000) return below1000(n);
  const parts: string[] = [];
  for (const [value, name] of SCALES) {
    if (n >= value) {
      parts.push(`${below1000(Math.floor(n / value))} ${name}`);
      n %= value;
    }
  }
  if (n > 0) parts.push(below1000(n));
  return parts.join(' ');
}

const ORDINAL_ONES: Record<string, number> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  tenth: 10,
  eleventh: 11,
  twelfth: 12,
  thirteenth: 13,
  fourteenth: 14,
  fifteenth: 15,
  sixteenth: 16,
  seventeenth: 17,
  eighteenth: 18,
  nineteenth: 19,
  twentieth: 20,
  thirtieth: 30,
};

const ORDINAL_SUFFIX = ['th', 'st', 'nd', 'rd', 'th', 'th', 'th', 'th', 'th', 'th'];

/** 23 → "twenty third". */
export function ordinalToWords(n: number): string {
  const entry = Object.entries(ORDINAL_ONES).find(([, v]) => v === n);
  if (entry) return entry[0];
  const tens = TENS[Math.floor(n / 10)] ?? '';
  const one = Object.entries(ORDINAL_ONES).find(([, v]) => v === n % 10)?.[0] ?? '';
  return `${tens} ${one}`.trim();
}

export function ordinalSuffix(n: number): string {
  return n % 100 >= 11 && n % 100 <= 13 ? 'th' : (ORDINAL_SUFFIX[n % 10] ?? 'th');
}

const CARDINAL_SMALL: Record<string, number> = Object.fromEntries(ONES.map((w, i) => [w, i]));
const TENS_VALUE: Record<string, number> = Object.fromEntries(TENS.map((w, i) => [w, i * 10]).filter(([w]) => w));

/**
 * Reads a day-of-month at words[i]: "5", "5th", "fifth", "twenty", "twenty third", "twenty-third" (hyphen split).
 * Returns the value and how many words it used.
 */
export function readDayNumber(words: readonly string[], i: number): { value: number; len: number } | null {
  const w = words[i];
  if (w === undefined) return null;
  const digits = /^(\d{1,2})(st|nd|rd|th)?$/.exec(w);
  if (digits) return { value: Number(digits[1]), len: 1 };
  const ord = ORDINAL_ONES[w];
  if (ord !== undefined) return { value: ord, len: 1 };
  const tens = TENS_VALUE[w];
  if (tens !== undefined) {
    const next = words[i + 1] ?? '';
    const nextOrd = ORDINAL_ONES[next];
    if (nextOrd !== undefined && nextOrd < 10) return { value: tens + nextOrd, len: 2 };
    const nextCard = CARDINAL_SMALL[next];
    if (nextCard !== undefined && nextCard > 0 && nextCard < 10) return { value: tens + nextCard, len: 2 };
    return { value: tens, len: 1 };
  }
  const card = CARDINAL_SMALL[w];
  if (card !== undefined && card > 0) return { value: card, len: 1 };
  return null;
}

/** Reads a small count: "2", "two", "a", "a couple of", "a few". */
export function readCount(words: readonly string[], i: number): { value: number; len: number } | null {
  const w = words[i];
  if (w === undefined) return null;
  if (/^\d{1,3}$/.test(w)) return { value: Number(w), len: 1 };
  if (w === 'a' || w === 'an') {
    if (words[i + 1] === 'couple') return { value: 2, len: words[i + 2] === 'of' ? 3 : 2 };
    if (words[i + 1] === 'few') return { value: 3, len: 2 };
    return { value: 1, len: 1 };
  }
  if (w === 'couple') return { value: 2, len: words[i + 1] === 'of' ? 2 : 1 };
  if (w === 'few') return { value: 3, len: 1 };
  const card = CARDINAL_SMALL[w] ?? TENS_VALUE[w];
  if (card !== undefined && card > 0) return { value: card, len: 1 };
  return null;
}
