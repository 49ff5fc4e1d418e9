import { type Analysis, findingsWithin } from './analysis.ts';
import type { Finding } from './findings.ts';
import { slideFit, snapToSlide } from './slides.ts';

/**
 * Highlight scoring. A candidate is a run of units (start at a unit start, end at a unit end,
 * [minClipMs, maxClipMs] long after padding and slide snapping). Each feature is in 0..1:
 *
 * - rules (0.40): action items and decisions from the rules engine wholly inside the window,
 *   combined as 1 - Π(1 - weight), weight = confidence (× 0.7 for ownerless items); a second
 *   item adds little, so one focused moment beats a long window that swallows two. While
 *   picking, items an earlier pick already shows count a quarter (see pickGreedy).
 * - keywords (0.20): keyword weight per spoken token (TF-IDF over the talk), relative to the
 *   densest candidate.
 * - slide (0.15): starts at a slide change (0.5) plus the share of the clip spent on that slide.
 * - energy (0.15): mean level of the speech in the window above the speaker's median,
 *   saturating at +6 dB.
 * - speech (0.10): share of the window covered by words (few pauses).
 *
 * score = Σ weight × feature / Σ weight of the features the input has (no scenes: the slide
 * weight is left out, and so on), so scores stay in 0..1 and comparable across inputs.
 * Weights were tuned on the webinar script: decisions and commitments win, and among windows
 * with the same finding the one that opens on its slide and stays there wins.
 */
export const WEIGHTS = { rules: 0.4, keywords: 0.2, slide: 0.15, energy: 0.15, speech: 0.1 } as const;
const LOUD_RANGE_DB = 6;
/** Padding around the speech so first and last words are not clipped. */
export const PAD_MS = 150;

export type Features = { rules: number; keywords: number; slide: number; energy: number; speech: number };
export type Candidate = {
  first: number;
  last: number;
  start: number;
  end: number;
  score: number;
  features: Features;
  /** Decisions and action items wholly inside. */
  findings: Finding[];
  /** Share of the score the rules feature has (its weight over the total). */
  rulesShare: number;
  /** dB of the window's speech above the speaker's median (0 without an energy curve). */
  aboveDb: number;
};
export type WindowLimits = { minClipMs: number; maxClipMs: number };

/** Clip start for a run opening with unit i: snapped to a slide change, else padded into the pause before. */
export function clipStart(a: Analysis, i: number): number {
  const u = a.units[i];
  if (!u) return 0;
  const prevEnd = a.units[i - 1]?.end ?? 0;
  const snapped = snapToSlide(a.slides, u.start, prevEnd);
  if (snapped !== null) return Math.min(u.start, snapped);
  return Math.max(0, u.start - PAD_MS, Math.min(u.start, (prevEnd + u.start) / 2));
}

/** Clip end for a run closing with unit j: padded into the pause after, within the media. */
export function clipEnd(a: Analysis, j: number): number {
  const u = a.units[j];
  if (!u) return 0;
  const nextStart = a.units[j + 1]?.start ?? a.durationMs;
  return Math.min(a.durationMs, u.end + PAD_MS, Math.max(u.end, (u.end + nextStart) / 2));
}

function prefix(xs: readonly number[]): number[] {
  const out = [0];
  for (const x of xs) out.push((out.at(-1) ?? 0) + x);
  return out;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** Every candidate window, scored. Linear in units × (units per window). */
export function scoreWindows(a: Analysis, limits: WindowLimits): Candidate[] {
  const { units } = a;
  const tokenSum = prefix(a.keywords.tokens.map((t) => t.length));
  const keywordSum = prefix(a.keywords.sums);
  const speechSum = prefix(units.map((u) => u.words.reduce((s, w) => s + (w.end - w.start), 0)));
  const durSum = prefix(units.map((u) => Math.max(1, u.end - u.start)));
  const dbSum = a.loudness
    ? prefix(units.map((u, k) => (a.loudness?.unitDb[k] ?? 0) * Math.max(1, u.end - u.start)))
    : null;
  const weights = {
    ...WEIGHTS,
    slide: a.slides.length ? WEIGHTS.slide : 0,
    energy: a.loudness ? WEIGHTS.energy : 0,
  };
  const total = weights.rules + weights.keywords + weights.slide + weights.energy + weights.speech;

  const raw: Candidate[] = [];
  for (let i = 0; i < units.length; i++) {
    const start = clipStart(a, i);
    for (let j = i; j < units.length; j++) {
      const end = clipEnd(a, j);
      const len = end - start;
      if (len > limits.maxClipMs) break;
      if (len < limits.minClipMs) continue;
      const tokens = (tokenSum[j + 1] ?? 0) - (tokenSum[i] ?? 0);
      const dur = (durSum[j + 1] ?? 0) - (durSum[i] ?? 0);
      const aboveDb = dbSum && a.loudness ? ((dbSum[j + 1] ?? 0) - (dbSum[i] ?? 0)) / dur - a.loudness.medianDb : 0;
      const findings = findingsWithin(a, i, j);
      const features: Features = {
        rules: 1 - findings.reduce((p, f) => p * (1 - clamp01(f.weight)), 1),
        keywords: tokens ? ((keywordSum[j + 1] ?? 0) - (keywordSum[i] ?? 0)) / tokens : 0,
        slide: slideFit(a.slides, start, end),
        energy: clamp01(aboveDb / LOUD_RANGE_DB),
        speech: clamp01(((speechSum[j + 1] ?? 0) - (speechSum[i] ?? 0)) / len),
      };
      raw.push({
        first: i,
        last: j,
        start,
        end,
        score: 0,
        features,
        findings,
        rulesShare: weights.rules / total,
        aboveDb,
      });
    }
  }
  let densest = 0;
  for (const c of raw) densest = Math.max(densest, c.features.keywords);
  for (const c of raw) {
    const f = c.features;
    if (densest > 0) f.keywords /= densest;
    const sum =
      weights.rules * f.rules +
      weights.keywords * f.keywords +
      weights.slide * f.slide +
      weights.energy * f.energy +
      weights.speech * f.speech;
    // Rounded so float noise in the prefix sums cannot break ties between equal moments.
    c.score = Math.round(clamp01(sum / total) * 1e6) / 1e6;
  }
  return raw;
}

/** A decision or action item already in an earlier pick (a recap, a repeat) counts this much. */
const REPEAT_WEIGHT = 0.25;

/** Share of a window's distinct words already in a pick above which it counts as a repeat. */
const REPEAT_OVERLAP = 0.6;

/** Jaccard similarity of two word sets. */
function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (!a.size || !b.size) return 0;
  let both = 0;
  for (const w of a) if (b.has(w)) both++;
  return both / (a.size + b.size - both);
}

/** The score with findings already picked counted at REPEAT_WEIGHT. */
function novelScore(c: Candidate, seen: ReadonlySet<string>): number {
  if (!seen.size || !c.findings.some((f) => seen.has(f.key))) return c.score;
  const novel = 1 - c.findings.reduce((p, f) => p * (1 - clamp01(f.weight) * (seen.has(f.key) ? REPEAT_WEIGHT : 1)), 1);
  return Math.round((c.score - c.rulesShare * (c.features.rules - novel)) * 1e6) / 1e6;
}

/**
 * Greedy picks of non-overlapping windows, best first (ties: earlier, then shorter, so the same
 * input always gives the same picks), each pick rescored so that decisions and action items an
 * earlier pick already shows count little: the highlights cover different moments. Sorted by start.
 */
export function pickGreedy(
  candidates: readonly Candidate[],
  count: number,
  wordsOf?: (c: Candidate) => ReadonlySet<string>,
): Candidate[] {
  const picked: Candidate[] = [];
  const pickedWords: ReadonlySet<string>[] = [];
  const seen = new Set<string>();
  const open = candidates.map(() => true);
  while (picked.length < count) {
    let best = -1;
    let bestScore = -1;
    for (const [k, c] of candidates.entries()) {
      if (!open[k]) continue;
      let s = novelScore(c, seen);
      // The same words again (a recap read twice, a looped recording) is not a new highlight.
      if (wordsOf && pickedWords.some((w) => overlap(w, wordsOf(c)) >= REPEAT_OVERLAP)) s *= REPEAT_WEIGHT;
      const b = candidates[best];
      if (!b || s > bestScore || (s === bestScore && (c.start < b.start || (c.start === b.start && c.end < b.end)))) {
        best = k;
        bestScore = s;
      }
    }
    const pick = candidates[best];
    if (!pick) break;
    picked.push(pick);
    if (wordsOf) pickedWords.push(wordsOf(pick));
    for (const f of pick.findings) seen.add(f.key);
    for (const [k, c] of candidates.entries()) if (c.start < pick.end && pick.start < c.end) open[k] = false;
  }
  return picked.sort((x, y) => x.start - y.start);
}
