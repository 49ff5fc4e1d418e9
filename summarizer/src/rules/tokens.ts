// Tokenizer that keeps the surface text for display and a normalised form for the rules.
// Contractions are expanded ("I'll" → i + will) so the rules see one spelling for each modal,
// whether the input is punctuated text or lowercase ASR output.

export type Token = {
  /** Surface text to render ('' for the second half of a contraction). */
  raw: string;
  /** Lowercase normalised word. */
  norm: string;
  /** What goes between the previous token and this one when rendering. */
  glue: string;
  /** Punctuation right after the word (",", ".", "?", …), '' when none. */
  punct: string;
};

const ABBREVIATIONS = new Set([
  'a.m.',
  'p.m.',
  'e.g.',
  'i.e.',
  'etc.',
  'vs.',
  'mr.',
  'mrs.',
  'ms.',
  'dr.',
  'st.',
  'u.s.',
]);

/** Words whose "'s" is "is" rather than a possessive. */
const IS_CONTRACTION_HOSTS = new Set([
  'it',
  'that',
  'there',
  'here',
  'what',
  'who',
  'where',
  'how',
  'he',
  'she',
  'one',
  'everyone',
  'everything',
  'nothing',
  'something',
  'someone',
  'somebody',
  'nobody',
  'which',
  'when',
  'why',
  'this',
]);

const NOT_CONTRACTIONS: Record<string, string[]> = {
  "won't": ['will', 'not'],
  "can't": ['can', 'not'],
  "shan't": ['shall', 'not'],
  "ain't": ['is', 'not'],
};

const SUFFIX_EXPANSIONS: [string, string][] = [
  ["'ll", 'will'],
  ["'re", 'are'],
  ["'ve", 'have'],
  ["'m", 'am'],
  ["'d", 'would'],
];

const WHOLE_WORD: Record<string, string[]> = {
  gonna: ['going', 'to'],
  wanna: ['want', 'to'],
  gotta: ['got', 'to'],
  lemme: ['let', 'me'],
  "let's": ["let's"],
  lets: ["let's"],
  im: ['i', 'am'],
  ive: ['i', 'have'],
  dont: ['do', 'not'],
  wont: ['will', 'not'],
  cant: ['can', 'not'],
  didnt: ['did', 'not'],
  doesnt: ['does', 'not'],
  isnt: ['is', 'not'],
};

/** Splits one lowercase word into normalised parts. */
function expand(lower: string): string[] {
  const whole = WHOLE_WORD[lower] ?? NOT_CONTRACTIONS[lower];
  if (whole) return whole;
  if (lower.endsWith("n't")) return [lower.slice(0, -3), 'not'];
  for (const [suffix, full] of SUFFIX_EXPANSIONS) {
    if (lower.endsWith(suffix) && lower.length > suffix.length) return [lower.slice(0, -suffix.length), full];
  }
  if (lower.endsWith("'s")) {
    const host = lower.slice(0, -2);
    if (IS_CONTRACTION_HOSTS.has(host)) return [host, 'is'];
  }
  return [lower];
}

/** Emails, URLs and money amounts stay one token. */
const ATOMIC = /^(\S+@\S+\.[a-z]{2,}|https?:\/\/\S+|\$?\d[\d,.:/-]*[a-z%]*)$/i;

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const chunks = text.replace(/[’‘]/g, "'").replace(/[“”]/g, '"').split(/\s+/);
  for (const chunk0 of chunks) {
    let chunk = chunk0.replace(/^["'([]+/, '');
    if (!chunk) continue;
    let punct = '';
    const lowerChunk = chunk.toLowerCase();
    if (!ABBREVIATIONS.has(lowerChunk)) {
      const m = /^(.*?)([,.;:?!)"\]…]+|(?<=s)'|-{2,})$/.exec(chunk);
      if (m?.[1]) {
        chunk = m[1];
        punct = (m[2] ?? '').replace(/[)"\]']/g, '').replace('…', '.');
      } else if (m && !m[1]) {
        // A chunk made only of punctuation (" - ", "?") attaches to the previous token.
        const prev = out[out.length - 1];
        if (prev) prev.punct += (m[2] ?? '').replace(/[^,.;:?!]/g, '').slice(0, 1);
        continue;
      }
    }
    const parts =
      ATOMIC.test(chunk) || ABBREVIATIONS.has(lowerChunk) ? [chunk] : chunk.split(/(?<=[a-z0-9'])[-/](?=[a-z0-9])/i);
    parts.forEach((part, pi) => {
      const lower = part.toLowerCase();
      const norms = ATOMIC.test(part) ? [lower] : expand(lower);
      norms.forEach((norm, ni) => {
        out.push({
          raw: ni === 0 ? part : '',
          norm,
          glue: ni > 0 ? '' : pi > 0 ? '-' : ' ',
          punct: pi === parts.length - 1 && ni === norms.length - 1 ? punct : '',
        });
      });
    });
  }
  return out;
}

/** Renders tokens [start, end) back to text, keeping inner punctuation and dropping the final one. */
export function render(tokens: readonly Token[], start = 0, end = tokens.length): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const t = tokens[i];
    if (!t) continue;
    if (s && t.raw) s += t.glue;
    s += t.raw;
    if (i < end - 1) s += t.punct;
  }
  return s.trim();
}

/** Renders an arbitrary selection of token indices (used after removing words). */
export function renderIndices(tokens: readonly Token[], indices: readonly number[]): string {
  let s = '';
  indices.forEach((i, k) => {
    const t = tokens[i];
    if (!t) return;
    const adjacent = k > 0 && indices[k - 1] === i - 1;
    if (s && t.raw) s += adjacent ? t.glue : ' ';
    s += t.raw;
    const next = indices[k + 1];
    if (next !== undefined && t.punct && /[,;:]/.test(t.punct)) s += next === i + 1 ? t.punct : '';
  });
  return s
    .replace(/\s+([,;:])/g, '$1')
    .replace(/[,;:]\s*$/, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

export const words = (tokens: readonly Token[]): string[] => tokens.map((t) => t.norm);
