// Tiny matcher for word sequences: "can|could you please? send" — alternatives with "|",
// a trailing "?" marks an optional word. Patterns are compiled once (module constants).

type Step = { alts: ReadonlySet<string>; optional: boolean };
export type Pattern = readonly Step[];

export function pattern(source: string): Pattern {
  return source
    .trim()
    .split(/\s+/)
    .map((part) => {
      const optional = part.endsWith('?');
      return { alts: new Set((optional ? part.slice(0, -1) : part).split('|')), optional };
    });
}

/** Length of the match of `p` at words[i], or -1. Optional steps are matched greedily. */
export function matchAt(words: readonly string[], i: number, p: Pattern): number {
  let k = i;
  for (const step of p) {
    const w = words[k];
    if (w !== undefined && step.alts.has(w)) k++;
    else if (!step.optional) return -1;
  }
  return k - i;
}

/** First pattern of `ps` matching at i: its index and length. */
export function matchAny(
  words: readonly string[],
  i: number,
  ps: readonly Pattern[],
): { which: number; len: number } | null {
  for (let which = 0; which < ps.length; which++) {
    const p = ps[which];
    if (!p) continue;
    const len = matchAt(words, i, p);
    if (len > 0) return { which, len };
  }
  return null;
}

/** Position of the first match of `p` in words[start, end), or -1. */
export function findPattern(
  words: readonly string[],
  start: number,
  end: number,
  p: Pattern,
): { at: number; len: number } | null {
  for (let i = start; i < end; i++) {
    const len = matchAt(words, i, p);
    if (len > 0 && i + len <= end) return { at: i, len };
  }
  return null;
}
