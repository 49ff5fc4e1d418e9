import type { WorkMessage } from '@mi/bus';

type Pending = { msg: WorkMessage; remaining: number; failed: boolean };

/**
 * Source messages whose deliveries are still running. A message is acked when its last delivery
 * finishes, and told `working()` meanwhile so the bus does not hand it to another worker while
 * a receiver is retried or a circuit is open.
 */
export class PendingMessages {
  private readonly bySeq = new Map<number, Pending>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: {
      /** How often to extend the ack deadline (well under the consumer's ack wait). */
      workingEveryMs: number;
      /** Redelivery delay after an internal failure (a dead letter that could not be stored). */
      retryDelayMs: number;
      onError: (error: unknown) => void;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      for (const p of this.bySeq.values()) p.msg.working();
    }, this.opts.workingEveryMs);
    this.timer.unref();
  }

  /** Stops extending deadlines and forgets everything unsettled: the bus will redeliver it. */
  stop(): void {
    clearInterval(this.timer);
    this.bySeq.clear();
  }

  get size(): number {
    return this.bySeq.size;
  }

  /**
   * Starts tracking `msg` with `deliveries` outstanding. False when the message is already being
   * worked on here (redelivered after a stall): its newest handle is kept, nothing is queued twice.
   */
  track(msg: WorkMessage, deliveries: number): boolean {
    const existing = this.bySeq.get(msg.seq);
    if (existing) {
      existing.msg = msg;
      return false;
    }
    this.bySeq.set(msg.seq, { msg, remaining: deliveries, failed: false });
    return true;
  }

  /** One delivery of message `seq` finished; `ok` false means it must be redelivered. */
  settle(seq: number, ok: boolean): void {
    const p = this.bySeq.get(seq);
    if (!p) return;
    if (!ok) p.failed = true;
    if (--p.remaining > 0) return;
    this.bySeq.delete(seq);
    if (p.failed) p.msg.nak(this.opts.retryDelayMs);
    else p.msg.ack().catch(this.opts.onError);
  }
}
