// Shared by this directory's tests: the generated webinar as reference, and checks of a transcript
// against it. Not exported from the package.
import type { TranscriptSegment } from '@mi/contracts';
// A relative import: @mi/clipper depends on this package, so it is not a dependency of it.
import { type GeneratedWebinar, generateWebinar } from '../../../clipper/src/testing/index.ts';
import { normalizeText, wordErrorRate } from '../wer.ts';

export { type GeneratedWebinar, generateWebinar };

type Line = GeneratedWebinar['lines'][number];

/** WER of the segments' text against the lines' text. */
export function transcriptWer(lines: Line[], segments: TranscriptSegment[]): number {
  return wordErrorRate(lines.map((l) => l.text).join(' '), segments.map((s) => s.text).join(' '));
}

/** Words whose times fall outside their own segment. */
export function wordsOutsideSegments(segments: TranscriptSegment[]): string[] {
  return segments.flatMap((s) =>
    s.words
      .filter((w) => !(w.start >= s.start && w.end <= s.end && w.start <= w.end))
      .map((w) => `${w.word}@${w.start}-${w.end} not in ${s.start}-${s.end}`),
  );
}

/**
 * Aligns recognised words to reference words (longest common subsequence of normalised words)
 * and lists matched words whose times are more than `slackMs` outside their reference line.
 * Also returns how many words matched, so a check cannot pass by matching nothing.
 */
export function misplacedWords(
  lines: Line[],
  segments: TranscriptSegment[],
  slackMs: number,
): { matched: number; misplaced: string[] } {
  const ref = lines.flatMap((l) =>
    normalizeText(l.text)
      .split(' ')
      .map((word) => ({ word, line: l })),
  );
  const hyp = segments.flatMap((s) =>
    s.words
      .map((w) => ({ ...w, word: normalizeText(w.word.replace(/\(\d+\)$/, '')) }))
      .filter((w) => w.word.length > 0),
  );
  // LCS table over words (a few hundred each).
  const n = ref.length;
  const m = hyp.length;
  const table = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i]![j] =
        ref[i]!.word === hyp[j]!.word ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const misplaced: string[] = [];
  let matched = 0;
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (ref[i]!.word === hyp[j]!.word) {
      const { line } = ref[i]!;
      const w = hyp[j]!;
      matched++;
      if (w.start < line.start - slackMs || w.end > line.end + slackMs) {
        misplaced.push(`${w.word}@${w.start}-${w.end} vs line ${line.start}-${line.end}`);
      }
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) i++;
    else j++;
  }
  return { matched, misplaced };
}

/** The first `n` items of an async iterable (then it is closed). */
export async function* firstOf<T>(items: AsyncIterable<T>, n: number): AsyncGenerator<T> {
  if (n <= 0) return;
  let count = 0;
  for await (const item of items) {
    yield item;
    if (++count >= n) return;
  }
}
