import type { EnergyCurve, Unit } from './types.ts';

/** Silence floor: digital silence comes as -Infinity or NaN. */
const FLOOR_DB = -100;

const level = (db: number | undefined) => (db !== undefined && Number.isFinite(db) ? Math.max(FLOOR_DB, db) : FLOOR_DB);

function median(xs: number[]): number {
  if (!xs.length) return FLOOR_DB;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? FLOOR_DB) : ((s[mid - 1] ?? FLOOR_DB) + (s[mid] ?? FLOOR_DB)) / 2;
}

export type Loudness = {
  /** Mean dBFS of each unit. */
  unitDb: number[];
  /**
   * Median dBFS of the windows inside speech: the speaker's usual level. The median of the
   * whole file would sit in the pauses and make every sentence "loud".
   */
  medianDb: number;
};

export function loudness(units: readonly Unit[], curve: EnergyCurve): Loudness {
  const w = curve.windowMs;
  const db = curve.db;
  const unitDb = units.map((u) => {
    const from = Math.max(0, Math.floor(u.start / w));
    const to = Math.min(db.length, Math.max(from + 1, Math.ceil(u.end / w)));
    let sum = 0;
    for (let k = from; k < to; k++) sum += level(db[k]);
    return to > from ? sum / (to - from) : FLOOR_DB;
  });
  const speech: number[] = [];
  let u = 0;
  for (let k = 0; k < db.length; k++) {
    const centre = (k + 0.5) * w;
    while (u < units.length && (units[u]?.end ?? 0) < centre) u++;
    const unit = units[u];
    if (unit && unit.start <= centre) speech.push(level(db[k]));
  }
  return { unitDb, medianDb: median(speech.length ? speech : db.map(level)) };
}
