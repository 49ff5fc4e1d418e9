import { AUX, MONTHS, STOPWORDS } from './lexicon.ts';
import type { Token } from './tokens.ts';
import type { Participant } from './types.ts';

export type NameMatch = { id: string; len: number };

/** A name with "'s" attached ("tom's going to …"): "is" or a possessive, the caller decides. */
export type CliticMatch = { id: string };

/** Finds participants mentioned by first or full name, case-insensitively (ASR gives lowercase first names). */
export class ParticipantIndex {
  readonly #byFirst = new Map<string, string>();
  readonly #byFull = new Map<string, string>();
  /** First words of full names, so most tokens are rejected without building a string. */
  readonly #fullStarts = new Set<string>();
  readonly #ids = new Set<string>();

  constructor(participants: readonly Participant[]) {
    for (const p of participants) this.add(p);
  }

  add(p: Participant): void {
    this.#ids.add(p.id);
    const parts = p.name.toLowerCase().split(/\s+/).filter(Boolean);
    this.#byFirst.set(p.id.toLowerCase(), p.id);
    if (parts[0]) this.#byFirst.set(parts[0], p.id);
    if (parts.length > 1) {
      this.#byFull.set(parts.slice(0, 2).join(' '), p.id);
      this.#fullStarts.add(parts[0] ?? '');
    }
  }

  get size(): number {
    return this.#ids.size;
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /**
   * The participant named at tokens[i] (full name preferred), or null. Possessives ("bob's") do not match.
   * Names that are also function words ("Will", "May") must be capitalised to count.
   */
  matchAt(tokens: readonly Token[], i: number): NameMatch | null {
    const t = tokens[i];
    if (t === undefined) return null;
    const first = t.norm;
    if ((AUX.has(first) || STOPWORDS.has(first) || MONTHS.includes(first)) && !/^[A-Z]/.test(t.raw)) return null;
    const second = tokens[i + 1]?.norm;
    if (second !== undefined && this.#fullStarts.has(first)) {
      const full = this.#byFull.get(`${first} ${second}`);
      if (full) return { id: full, len: 2 };
    }
    const id = this.#byFirst.get(first);
    return id ? { id, len: 1 } : null;
  }

  /** "tom's" → tom, for "tom's going to send it" (the tokenizer cannot tell "is" from a possessive). */
  matchClitic(tokens: readonly Token[], i: number): CliticMatch | null {
    const t = tokens[i];
    if (!t?.norm.endsWith("'s")) return null;
    const id = this.#byFirst.get(t.norm.slice(0, -2));
    return id ? { id } : null;
  }
}
