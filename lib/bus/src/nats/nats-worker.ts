import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { errorReason } from '../dead-letter.ts';
import type { StoredMessage, WorkMessage } from '../types.ts';
import { fromNatsHeaders } from './wire.ts';

export interface WorkerSettings {
  ackWaitMs: number;
  maxDeliver: number;
  deadLetterSubject: string;
  concurrency: number;
}

export interface WorkerDeps {
  deadLetter(msg: StoredMessage, reason: string, deliveries: number, subject: string): Promise<void>;
  onError(error: unknown): void;
}

/** Pull requests wait this long for messages; also bounds how long a stopped worker's request lingers. */
const fetchExpiresMs = 2_000;
const maxBatch = 256;

/**
 * One subscription to a durable JetStream pull consumer. It only pulls as many messages as it has
 * free capacity (`concurrency` minus messages it holds), so a busy worker leaves messages to its
 * competitors instead of buffering them while their ack wait runs. A message stops counting
 * against capacity when settled or when its ack wait passes (the server redelivers it then).
 */
export class NatsWorker {
  private inflight = 0;
  private stopped = false;
  private batch: ConsumerMessages | undefined;
  private wake: (() => void) | undefined;
  private readonly loop: Promise<void>;

  constructor(
    private readonly consumer: Consumer,
    private readonly settings: WorkerSettings,
    private readonly handler: (msg: WorkMessage) => void | Promise<void>,
    private readonly deps: WorkerDeps,
  ) {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp();
    this.batch?.stop();
    await this.loop;
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Sleeps, but wakes early on stop or freed capacity. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wakeUp(), ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const want = Math.min(this.settings.concurrency - this.inflight, maxBatch);
      if (want <= 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      try {
        const batch = await this.consumer.fetch({ max_messages: want, expires: fetchExpiresMs });
        this.batch = batch;
        if (this.stopped) batch.stop();
        for await (const m of batch) {
          // Pulled after unsubscribe: hand it straight back rather than wait out its ack wait.
          if (this.stopped) m.nak();
          else this.dispatch(m);
        }
        failures = 0;
      } catch (error) {
        if (this.stopped) break;
        // Consumer or stream gone, server restarting, ...: report once, keep retrying slowly.
        if (failures++ === 0) this.deps.onError(error);
        await this.pause(Math.min(100 * 2 ** failures, 2_000));
      } finally {
        this.batch = undefined;
      }
    }
  }

  private dispatch(m: JsMsg): void {
    const { ackWaitMs, maxDeliver, deadLetterSubject } = this.settings;
    const count = m.info.deliveryCount;
    const last = count >= maxDeliver;
    const stored: StoredMessage = {
      subject: m.subject,
      data: m.data,
      headers: fromNatsHeaders(m.headers),
      seq: m.seq,
      time: m.time,
    };
    let settled = false;
    let leased = true;
    let timer: NodeJS.Timeout | undefined;
    const release = () => {
      clearTimeout(timer);
      if (!leased) return;
      leased = false;
      this.inflight--;
      this.wakeUp();
    };
    const deadLetter = async (reason: string) => {
      settled = true;
      release();
      try {
        await this.deps.deadLetter(stored, reason, count, deadLetterSubject);
      } catch (error) {
        this.deps.onError(error);
      }
      // Plain +TERM: nats-server 2.9 ignores "+TERM <reason>" (reasons arrived in 2.10).
      m.term();
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        release();
        // The server will not deliver it again; dead-letter it as the in-process bus does.
        if (last && !settled) void deadLetter(`ack wait expired on delivery ${count} of ${maxDeliver}`);
      }, ackWaitMs);
      timer.unref();
    };
    const nak = (delayMs?: number) => {
      if (settled) return;
      if (last) {
        void deadLetter(`nak on delivery ${count} of ${maxDeliver}`);
        return;
      }
      settled = true;
      release();
      m.nak(delayMs && delayMs > 0 ? delayMs : undefined);
    };
    const msg: WorkMessage = {
      ...stored,
      deliveryCount: count,
      ack: async () => {
        if (settled) return;
        settled = true;
        release();
        await m.ackAck();
      },
      nak,
      term: async (reason) => {
        if (!settled) await deadLetter(reason ?? 'terminated by handler');
      },
      working: () => {
        if (settled || !leased) return;
        m.working();
        arm();
      },
    };
    this.inflight++;
    arm();
    (async () => this.handler(msg))().catch((error: unknown) => {
      if (settled) return;
      if (last) void deadLetter(`handler failed on delivery ${count} of ${maxDeliver}: ${errorReason(error)}`);
      else nak();
    });
  }
}
