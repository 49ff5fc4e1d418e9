/**
 * Finds sums of money in free text: "$12,000", "12k", "€5,000", "2.5 million", "USD 300",
 * "twelve thousand dollars". Deliberately forgiving: the policy gate would rather ask a person
 * about a number that was not money than let a real payment through unseen.
 */
export type Currency = 'USD' | 'EUR' | 'GBP';

export type Amount = {
  value: number;
  /** Null when the text names no currency ("approve the 12k PO"). */
  currency: Currency | null;
  /** The words the amount came from. */
  text: string;
};

const symbols: Record<string, Currency> = { $: 'USD', us$: 'USD', '€': 'EUR', '£': 'GBP' };
const codes: Record<string, Currency> = { usd: 'USD', eur: 'EUR', gbp: 'GBP' };
const currencyWords: Record<string, Currency> = {
  ...codes,
  dollar: 'USD',
  dollars: 'USD',
  bucks: 'USD',
  euro: 'EUR',
  euros: 'EUR',
  pound: 'GBP',
  pounds: 'GBP',
};
const suffixes: Record<string, number> = { k: 1e3, m: 1e6, mm: 1e6, bn: 1e9 };
const scaleWords: Record<string, number> = { thousand: 1e3, grand: 1e3, million: 1e6, billion: 1e9 };
const units: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};

type Token = { kind: 'symbol' | 'number' | 'word'; raw: string; start: number; end: number; value?: number };

// A number may carry a k/m/mm/bn suffix ("12k"); the lookahead keeps "12kg" or "15th" from counting.
const tokenPattern = /(US\$|[$€£])|(\d+(?:,\d{3})*(?:\.\d+)?)(k|mm|m|bn)?(?![\w])|([A-Za-z]+)/gi;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(tokenPattern)) {
    const start = m.index;
    const end = start + m[0].length;
    if (m[1]) out.push({ kind: 'symbol', raw: m[1], start, end });
    else if (m[2]) {
      const base = Number(m[2].replaceAll(',', ''));
      const mult = m[3] ? (suffixes[m[3].toLowerCase()] ?? 1) : 1;
      out.push({ kind: 'number', raw: m[0], start, end, value: base * mult });
    } else out.push({ kind: 'word', raw: m[0], start, end });
  }
  return out;
}

const lower = (t: Token | undefined) => t?.raw.toLowerCase() ?? '';
const isNumberWord = (w: string) => w in units || w === 'hundred' || w in scaleWords;

/** Parses a run of number words ("two hundred and fifty thousand"), returning its value and how many tokens it used. */
function numberWords(tokens: Token[], i: number): { value: number; used: number } | undefined {
  let total = 0;
  let current = 0;
  let j = i;
  let seen = false;
  // "a million", "a hundred thousand"
  if (lower(tokens[j]) === 'a' && /^(hundred|thousand|million|billion)$/.test(lower(tokens[j + 1]))) {
    current = 1;
    j++;
  }
  for (; j < tokens.length; j++) {
    const t = tokens[j]!;
    // Words must be adjacent (a space or a hyphen apart), not spread across a sentence.
    if (j > i && t.start - tokens[j - 1]!.end > 1) break;
    const w = lower(t);
    if (w in units) current += units[w]!;
    else if (w === 'hundred') current = (current || 1) * 100;
    else if (w in scaleWords && (w !== 'grand' || current > 0)) {
      total += (current || 1) * scaleWords[w]!;
      current = 0;
    } else if (w === 'and' && seen && isNumberWord(lower(tokens[j + 1]))) continue;
    else break;
    seen = true;
  }
  return seen ? { value: total + current, used: j - i } : undefined;
}

/** A bare year ("the 2026 budget") is not an amount unless a currency says so. */
function looksLikeYear(t: Token): boolean {
  return /^\d{4}$/.test(t.raw) && t.value! >= 1900 && t.value! <= 2100;
}

/** Every amount in `text`, in order of appearance. */
export function findAmounts(text: string): Amount[] {
  const tokens = tokenize(text);
  const out: Amount[] = [];
  let i = 0;
  while (i < tokens.length) {
    const start = i;
    let currency: Currency | null = null;
    const first = tokens[i]!;
    if (first.kind === 'symbol' || (lower(first) in codes && tokens[i + 1]?.kind === 'number')) {
      currency = symbols[lower(first)] ?? codes[lower(first)] ?? null;
      i++;
    }
    let value: number | undefined;
    const t = tokens[i];
    if (t?.kind === 'number') {
      value = t.value!;
      i++;
      const scale = scaleWords[lower(tokens[i])];
      if (scale && !/[a-z]$/i.test(t.raw)) {
        value *= scale;
        i++;
      } else if (!currency && looksLikeYear(t) && !(lower(tokens[i]) in currencyWords)) {
        value = undefined;
      }
    } else if (t?.kind === 'word') {
      const words = numberWords(tokens, i);
      if (words) {
        value = words.value;
        i += words.used;
      }
    }
    if (value === undefined) {
      i = start + 1;
      continue;
    }
    const after = currencyWords[lower(tokens[i])];
    if (after) {
      currency ??= after;
      i++;
    }
    out.push({ value, currency, text: text.slice(tokens[start]!.start, tokens[i - 1]!.end) });
  }
  return out;
}

// Wording that makes a bare number ("approve the 12k PO") a sum of money.
const moneyContext =
  /\b(pay(s|ing|ment|out)?|paid|refund\w*|wire[sd]?|transfer\w*|purchase orders?|PO|invoic\w*|budget\w*|spend\w*|spent|cost\w*|price\w*|pricing|quote[sd]?|fees?|reimburs\w*|charg\w*|buy(ing)?|bought|purchas\w*|fund\w*|salar\w*|bonus\w*|discount\w*|deposit\w*)\b/i;

/** True when the text talks about money, so bare numbers in it are taken as amounts. */
export function mentionsMoney(text: string): boolean {
  return moneyContext.test(text);
}

/** The amounts in `text` that are money: those with a currency, and bare numbers in money wording. */
export function findMoney(text: string): Amount[] {
  const amounts = findAmounts(text);
  if (amounts.every((a) => a.currency)) return amounts;
  const context = mentionsMoney(text);
  return amounts.filter((a) => a.currency || context);
}
