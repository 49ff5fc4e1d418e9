/**
 * A progress bar on stderr, so stdout stays clean for the transcript. On a terminal it redraws
 * in place; otherwise (CI logs, pipes) it prints a line every 10 %.
 */
export class ProgressBar {
  #lastDecile = -1;
  #lastDraw = 0;
  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly width = 30,
  ) {}

  update(percent: number, detail = ''): void {
    const p = Math.max(0, Math.min(100, percent));
    if (this.out.isTTY) {
      const now = performance.now();
      if (now - this.#lastDraw < 80 && p < 100) return;
      this.#lastDraw = now;
      const filled = Math.round((p / 100) * this.width);
      this.out.write(
        `\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(this.width - filled)}] ${p.toFixed(0).padStart(3)}% ${detail}\x1b[K`,
      );
      return;
    }
    const decile = Math.floor(p / 10);
    if (decile > this.#lastDecile) {
      this.#lastDecile = decile;
      this.out.write(`${this.label} ${decile * 10}% ${detail}\n`);
    }
  }

  done(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}

export function formatEta(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  const s = Math.ceil(ms / 1000);
  return `eta ${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
