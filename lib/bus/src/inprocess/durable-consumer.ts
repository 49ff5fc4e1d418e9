import { errorReason } from '../dead-letter.ts';
import { subjectMatcher } from '../subject-match.ts';
import type { WorkMessage } from '../types.ts';
import { type LogRecord, type StreamLog, toStoredMessage } from './stream-log.ts';

export interface ConsumerSettings {
  ackWaitMs: number;
  maxDeliver: number;
  maxAckPending: number;
  deadLetterSubject: string;
}

export interface ConsumerDeps {
  /** Stores the dead-lettered copy; the message is settled afterwards whatever happens. */
  deadLetter(record: LogRecord, reason: string, deliveries: number, subject: string): Promise<void>;
  /** The message will never be delivered again (acked or dead-lettered); for persistence. */
  onDone(seq: number): void;
  onError(error: unknown): void;
}

interface Worker {
  readonly handler: (msg: WorkMessage) => void | Promise<void>;
  readonly concurrency: number;
  inflight: number;
  active: boolean;
}

/**
 * One message the consumer has taken from the stream and not yet finished with:
 * out (with a worker, ack timer running), waiting (nak delay), ready (queued for redelivery) or
 * dead (being dead-lettered).
 */
interface Delivery {
  readonly seq: number;
  count: number;
  state: 'out' | 'waiting' | 'ready' | 'dead';
  holder?: Worker;
  timer?: NodeJS.Timeout;
}

/**
 * A durable consumer of an in-process stream, mirroring JetStream's explicit-ack pull consumer:
 * competing workers, redelivery on nak or ack-wait expiry, max ack pending, and (like the NATS
 * bus does client-side) dead-lettering on the last allowed delivery. It lives on the bus, not on
 * a subscription, so unacked messages of a worker that went away are redelivered to the next.
 */
export class DurableConsumer {
  private readonly filter: (subject: string) => boolean;
  /** Next stream sequence never delivered yet. */
  private nextSeq: number;
  /** Sequences above nextSeq already finished before a restart. */
  private readonly skip: Set<number>;
  private readonly pending = new Map<number, Delivery>();
  /** Redeliveries in sequence order (JetStream redelivers oldest first). */
  private ready: number[] = [];
  private workers: Worker[] = [];
  private nextWorker = 0;
  private closed = false;
  private readonly unlisten: () => void;

  constructor(
    private readonly log: StreamLog,
    readonly name: string,
    readonly filterSubject: string | undefined,
    startSeq: number,
    finished: Iterable<number>,
    public settings: ConsumerSettings,
    private readonly deps: ConsumerDeps,
  ) {
    this.filter = filterSubject ? subjectMatcher(filterSubject) : () => true;
    this.nextSeq = startSeq;
    this.skip = new Set(finished);
    this.unlisten = log.onAppend(() => this.pump());
  }

  addWorker(handler: Worker['handler'], concurrency: number): () => void {
    const worker: Worker = { handler, concurrency, inflight: 0, active: true };
    this.workers.push(worker);
    queueMicrotask(() => this.pump());
    return () => {
      worker.active = false;
      this.workers = this.workers.filter((w) => w !== worker);
    };
  }

  /** Stops all timers and workers (consumer deleted or bus closed). */
  dispose(): void {
    this.closed = true;
    this.unlisten();
    for (const d of this.pending.values()) clearTimeout(d.timer);
    for (const w of this.workers) w.active = false;
    this.workers = [];
    this.pending.clear();
  }

  private pump(): void {
    while (!this.closed) {
      const worker = this.pickWorker();
      if (!worker) return;
      const next = this.nextDelivery();
      if (!next) return;
      this.deliver(next.delivery, next.record, worker);
    }
  }

  /** Round robin over workers with spare capacity, so competing workers share the load. */
  private pickWorker(): Worker | undefined {
    const n = this.workers.length;
    for (let i = 0; i < n; i++) {
      const worker = this.workers[(this.nextWorker + i) % n];
      if (worker?.active && worker.inflight < worker.concurrency) {
        this.nextWorker = (this.nextWorker + i + 1) % n;
        return worker;
      }
    }
    return undefined;
  }

  private nextDelivery(): { delivery: Delivery; record: LogRecord } | undefined {
    while (this.ready.length > 0) {
      const seq = this.ready.shift() as number;
      const delivery = this.pending.get(seq);
      if (delivery?.state !== 'ready') continue;
      const record = this.log.get(seq);
      if (record) return { delivery, record };
      this.pending.delete(seq); // trimmed by max age while waiting
    }
    if (this.pending.size >= this.settings.maxAckPending) return undefined;
    while (this.nextSeq <= this.log.lastSeq) {
      const seq = Math.max(this.nextSeq, this.log.firstSeq);
      if (seq > this.log.lastSeq) break;
      this.nextSeq = seq + 1;
      if (this.skip.delete(seq)) continue;
      const record = this.log.get(seq);
      if (!record || !this.filter(record.subject)) continue;
      const delivery: Delivery = { seq, count: 0, state: 'ready' };
      this.pending.set(seq, delivery);
      return { delivery, record };
    }
    return undefined;
  }

  private deliver(d: Delivery, record: LogRecord, worker: Worker): void {
    const token = ++d.count;
    d.state = 'out';
    d.holder = worker;
    worker.inflight++;
    d.timer = this.timer(this.settings.ackWaitMs, () => this.expire(d, token));
    const msg: WorkMessage = {
      ...toStoredMessage(record),
      deliveryCount: token,
      ack: async () => this.ack(d),
      nak: (delayMs) => this.nak(d, token, delayMs ?? 0),
      term: (reason) => this.term(d, reason ?? 'terminated by handler'),
      working: () => this.working(d, token),
    };
    // A macrotask, not a microtask: a handler that naks at once must not starve timers and I/O.
    setImmediate(() => {
      if (!worker.active) return; // unsubscribed meanwhile: ack wait expiry redelivers it
      (async () => worker.handler(msg))().catch((error: unknown) => this.failed(d, token, error));
    });
  }

  /** The message is still this delivery's, with a worker (stale handles are ignored). */
  private isCurrent(d: Delivery, token: number): boolean {
    return this.pending.get(d.seq) === d && d.count === token && d.state === 'out';
  }

  private isOpen(d: Delivery): boolean {
    return this.pending.get(d.seq) === d && d.state !== 'dead';
  }

  private release(d: Delivery): void {
    clearTimeout(d.timer);
    d.timer = undefined;
    if (d.state === 'out' && d.holder) d.holder.inflight--;
    d.holder = undefined;
  }

  private finish(d: Delivery): void {
    if (this.pending.get(d.seq) === d) this.pending.delete(d.seq);
    this.deps.onDone(d.seq);
    this.pump();
  }

  private ack(d: Delivery): void {
    // Like JetStream, an ack counts even from a stale delivery while the message is pending.
    if (!this.isOpen(d)) return;
    this.release(d);
    this.finish(d);
  }

  private nak(d: Delivery, token: number, delayMs: number): void {
    if (!this.isCurrent(d, token)) return;
    if (d.count >= this.settings.maxDeliver) {
      void this.deadLetter(d, `nak on delivery ${d.count} of ${this.settings.maxDeliver}`);
      return;
    }
    this.release(d);
    if (delayMs > 0) {
      d.state = 'waiting';
      d.timer = this.timer(delayMs, () => this.requeue(d));
    } else {
      this.requeue(d);
    }
  }

  private failed(d: Delivery, token: number, error: unknown): void {
    if (!this.isCurrent(d, token)) return;
    if (d.count >= this.settings.maxDeliver) {
      const reason = `handler failed on delivery ${d.count} of ${this.settings.maxDeliver}: ${errorReason(error)}`;
      void this.deadLetter(d, reason);
    } else {
      this.nak(d, token, 0);
    }
  }

  private term(d: Delivery, reason: string): Promise<void> {
    if (!this.isOpen(d)) return Promise.resolve();
    return this.deadLetter(d, reason);
  }

  private working(d: Delivery, token: number): void {
    if (!this.isCurrent(d, token)) return;
    clearTimeout(d.timer);
    d.timer = this.timer(this.settings.ackWaitMs, () => this.expire(d, token));
  }

  private expire(d: Delivery, token: number): void {
    if (!this.isCurrent(d, token)) return;
    if (d.count >= this.settings.maxDeliver) {
      void this.deadLetter(d, `ack wait expired on delivery ${d.count} of ${this.settings.maxDeliver}`);
      return;
    }
    this.release(d);
    this.requeue(d);
  }

  private requeue(d: Delivery): void {
    d.timer = undefined;
    d.state = 'ready';
    // Keep the queue sorted by sequence.
    let i = this.ready.length;
    while (i > 0 && (this.ready[i - 1] ?? 0) > d.seq) i--;
    this.ready.splice(i, 0, d.seq);
    this.pump();
  }

  private async deadLetter(d: Delivery, reason: string): Promise<void> {
    this.release(d);
    d.state = 'dead';
    const record = this.log.get(d.seq);
    try {
      if (record) await this.deps.deadLetter(record, reason, d.count, this.settings.deadLetterSubject);
    } catch (error) {
      this.deps.onError(error);
    } finally {
      this.finish(d);
    }
  }

  private timer(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  }
}
