/**
 * Stabilises streaming partials by agreement: a word becomes stable once two consecutive
 * hypotheses agree on it (and on everything before it). Stable text only ever grows, so
 * clients can render it without flicker; only the unstable tail may change.
 */
export class PartialStabilizer {
  #stable: string[] = [];
  #previous: string[] = [];

  update(hypothesis: string): { stable: string; unstable: string; text: string } {
    const words = hypothesis.split(/\s+/).filter(Boolean);
    let agreed = 0;
    while (agreed < words.length && agreed < this.#previous.length && words[agreed] === this.#previous[agreed])
      agreed++;
    if (agreed > this.#stable.length && this.#stable.every((w, i) => words[i] === w)) {
      this.#stable = words.slice(0, agreed);
    }
    this.#previous = words;
    // The stable prefix is never withdrawn, even if the engine briefly revises it; the final settles it.
    const stable = this.#stable.join(' ');
    const unstable = words.slice(this.#stable.length).join(' ');
    return { stable, unstable, text: [stable, unstable].filter(Boolean).join(' ') };
  }

  reset(): void {
    this.#stable = [];
    this.#previous = [];
  }
}
