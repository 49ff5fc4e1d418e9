import { type Loudness, loudness } from './energy.ts';
import { type Finding, findActionsAndDecisions } from './findings.ts';
import { type KeywordIndex, keywordIndex } from './keywords.ts';
import { type Slide, slidesOf } from './slides.ts';
import type { HighlightInput, Unit } from './types.ts';
import { toUnits } from './units.ts';

/** Everything the scoring and the titles read, computed once per input. */
export type Analysis = {
  durationMs: number;
  units: Unit[];
  findings: Finding[];
  /** Findings by the index of their first unit. */
  findingsFrom: Finding[][];
  keywords: KeywordIndex;
  slides: Slide[];
  loudness: Loudness | null;
};

export function analyse(input: HighlightInput, maxUnitMs = Number.POSITIVE_INFINITY): Analysis {
  const units = toUnits(input.segments, maxUnitMs);
  const findings = findActionsAndDecisions(units, input.meetingDate);
  const findingsFrom: Finding[][] = units.map(() => []);
  for (const f of findings) findingsFrom[f.first]?.push(f);
  const e = input.energy;
  const usable = e && e.windowMs > 0 && e.db.length > 0;
  const lastEnd = units.at(-1)?.end ?? 0;
  return {
    durationMs: Number.isFinite(input.durationMs) && input.durationMs > 0 ? input.durationMs : lastEnd,
    units,
    findings,
    findingsFrom,
    keywords: keywordIndex(units),
    slides: slidesOf(input.scenes),
    loudness: usable ? loudness(units, e) : null,
  };
}

/** Findings wholly inside units first..last. */
export function findingsWithin(a: Analysis, first: number, last: number): Finding[] {
  const out: Finding[] = [];
  for (let i = first; i <= last; i++) for (const f of a.findingsFrom[i] ?? []) if (f.last <= last) out.push(f);
  return out;
}

/** Units first..last whose middle lies in [start, end); null when none. */
export function unitsIn(a: Analysis, start: number, end: number): { first: number; last: number } | null {
  let first = -1;
  let last = -1;
  for (const [i, u] of a.units.entries()) {
    const mid = (u.start + u.end) / 2;
    if (mid < start || mid >= end) continue;
    if (first < 0) first = i;
    last = i;
  }
  return first < 0 ? null : { first, last };
}
