// Word error rate for comparing ASR output with a reference transcript.

/** Lower case, punctuation removed (apostrophes inside words kept: "don't"), single spaces. */
export function normalizeText(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[\u2018\u2019`]/g, "'")
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .split(' ')
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w.length > 0)
    .join(' ');
}

export type WordErrors = {
  substitutions: number;
  deletions: number;
  insertions: number;
  /** Words in the normalised reference (N). */
  referenceWords: number;
};

const words = (s: string): string[] => {
  const n = normalizeText(s);
  return n ? n.split(' ') : [];
};

/** Minimum-edit alignment of hypothesis to reference words, with the error kinds counted. */
export function wordErrors(reference: string, hypothesis: string): WordErrors {
  const ref = words(reference);
  const hyp = words(hypothesis);
  // cost[j] / kind counts for the previous and current reference rows (Levenshtein over words).
  type Cell = { cost: number; s: number; d: number; i: number };
  let prev: Cell[] = Array.from({ length: hyp.length + 1 }, (_, j) => ({ cost: j, s: 0, d: 0, i: j }));
  for (let r = 1; r <= ref.length; r++) {
    const cur: Cell[] = [{ cost: r, s: 0, d: r, i: 0 }];
    for (let h = 1; h <= hyp.length; h++) {
      const diag = prev[h - 1]!;
      const up = prev[h]!; // reference word deleted
      const left = cur[h - 1]!; // hypothesis word inserted
      const same = ref[r - 1] === hyp[h - 1];
      const options: Cell[] = [
        { cost: diag.cost + (same ? 0 : 1), s: diag.s + (same ? 0 : 1), d: diag.d, i: diag.i },
        { cost: up.cost + 1, s: up.s, d: up.d + 1, i: up.i },
        { cost: left.cost + 1, s: left.s, d: left.d, i: left.i + 1 },
      ];
      cur.push(options.reduce((a, b) => (b.cost < a.cost ? b : a)));
    }
    prev = cur;
  }
  const last = prev[hyp.length]!;
  return { substitutions: last.s, deletions: last.d, insertions: last.i, referenceWords: ref.length };
}

/**
 * (S + D + I) / N over normalised words. With an empty reference: 0 if the hypothesis is empty
 * too, otherwise 1.
 */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const e = wordErrors(reference, hypothesis);
  const errors = e.substitutions + e.deletions + e.insertions;
  if (e.referenceWords === 0) return errors === 0 ? 0 : 1;
  return errors / e.referenceWords;
}

/** Corpus WER: all errors over all reference words (not the mean of per-utterance rates). */
export function corpusWordErrorRate(pairs: Array<{ reference: string; hypothesis: string }>): number {
  let errors = 0;
  let n = 0;
  for (const p of pairs) {
    const e = wordErrors(p.reference, p.hypothesis);
    errors += e.substitutions + e.deletions + e.insertions;
    n += e.referenceWords;
  }
  if (n === 0) return errors === 0 ? 0 : 1;
  return errors / n;
}
