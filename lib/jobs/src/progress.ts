import type { Logger } from '@mi/telemetry';

export type Progress = { stage: string; percent: number; etaMs?: number; message?: string };

/**
 * Turns a handler's frequent progress calls into few events: one per stage change, else at most
 * one per `publishEveryMs`; the job record is saved at most once per `saveEveryMs`. ETA is the
 * attempt's elapsed time scaled by the work left, once there is enough progress to tell.
 */
export class ProgressTracker {
  private readonly started = performance.now();
  private last: Progress = { stage: '', percent: 0 };
  private lastPublish = 0;
  private lastSave = 0;
  private stageStarted = performance.now();
  private pending: Promise<unknown> = Promise.resolve();
  private closed = false;
  seq = 0;

  constructor(
    private readonly deps: {
      publish: (p: Progress, seq: number) => Promise<void>;
      save: (p: Progress) => Promise<unknown>;
      onStageEnd?: (stage: string, seconds: number) => void;
      logger: Logger;
      publishEveryMs?: number;
      saveEveryMs?: number;
    },
  ) {}

  get percent(): number {
    return this.last.percent;
  }

  get elapsedMs(): number {
    return performance.now() - this.started;
  }

  update(stage: string, percent: number, message?: string): void {
    if (this.closed) return;
    const now = performance.now();
    const clamped = Math.max(this.last.stage === stage ? this.last.percent : 0, Math.min(100, percent));
    const elapsed = now - this.started;
    const etaMs = clamped >= 2 && clamped < 100 ? Math.round((elapsed / clamped) * (100 - clamped)) : undefined;
    const stageChanged = stage !== this.last.stage;
    if (stageChanged && this.last.stage) this.deps.onStageEnd?.(this.last.stage, (now - this.stageStarted) / 1000);
    if (stageChanged) this.stageStarted = now;
    this.last = {
      stage,
      percent: Math.round(clamped * 10) / 10,
      ...(etaMs !== undefined ? { etaMs } : {}),
      ...(message ? { message } : {}),
    };
    const p = this.last;
    if (stageChanged || now - this.lastPublish >= (this.deps.publishEveryMs ?? 500)) {
      this.lastPublish = now;
      const seq = ++this.seq;
      this.chain(() => this.deps.publish(p, seq));
    }
    if (stageChanged || now - this.lastSave >= (this.deps.saveEveryMs ?? 1000)) {
      this.lastSave = now;
      this.chain(() => this.deps.save(p));
    }
  }

  /** Waits for what was sent; later updates are ignored. */
  async close(): Promise<void> {
    if (!this.closed && this.last.stage) {
      this.deps.onStageEnd?.(this.last.stage, (performance.now() - this.stageStarted) / 1000);
    }
    this.closed = true;
    await this.pending;
  }

  /** In order, one at a time; a failed publish is logged, never thrown into the job. */
  private chain(task: () => Promise<unknown>): void {
    this.pending = this.pending.then(task).catch((err) => this.deps.logger.warn({ err }, 'job progress not sent'));
  }
}
