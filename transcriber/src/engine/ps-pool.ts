// A fixed number of ps-server processes: least-loaded placement, stream capacity, respawn on death.
import { PsChild } from './ps-child.ts';
import type { PsReady } from './ps-protocol.ts';

export type PsPoolOptions = {
  processes: number;
  binary: string;
  args: string[];
  readyTimeoutMs: number;
  /** Open streams per process; more wait in a queue (each open stream holds a decoder). */
  maxStreamsPerProcess: number;
  onStderr: (line: string, pid: number | undefined) => void;
};

/** A session's place: the process it runs on and its id there. */
export type Lease = { readonly child: PsChild; readonly sid: number; release(): void };

type Slot = {
  child: PsChild | undefined; // undefined while waiting to respawn
  streams: number;
  batchSamples: number; // audio of batch segments not yet answered
  nextSid: number;
  failures: number; // consecutive deaths before READY, for backoff
};

type Waiter = { resolve: (l: Lease) => void; reject: (e: Error) => void };

const MAX_BACKOFF_MS = 30_000;

export class PsPool {
  readonly #opts: PsPoolOptions;
  readonly #slots: Slot[] = [];
  readonly #queue: Waiter[] = [];
  #closed = false;
  #lastError: Error | undefined;

  private constructor(opts: PsPoolOptions) {
    this.#opts = opts;
  }

  /** Starts every process and waits for all READY handshakes. */
  static async start(opts: PsPoolOptions): Promise<{ pool: PsPool; ready: PsReady }> {
    const pool = new PsPool(opts);
    for (let i = 0; i < opts.processes; i++) {
      const slot: Slot = { child: undefined, streams: 0, batchSamples: 0, nextSid: 1, failures: 0 };
      pool.#slots.push(slot);
      pool.#spawn(slot);
    }
    try {
      const ready = await Promise.all(pool.#slots.map((s) => s.child!.ready));
      return { pool, ready: ready[0]! };
    } catch (e) {
      await pool.stop();
      throw e;
    }
  }

  get pids(): number[] {
    return this.#slots.flatMap((s) => (s.child?.pid !== undefined && !s.child.death ? [s.child.pid] : []));
  }

  get readyCount(): number {
    return this.#closed ? 0 : this.#slots.filter((s) => s.child?.isReady && !s.child.death).length;
  }

  /** Processes that are running (or starting), for requests such as STATS. */
  get children(): PsChild[] {
    return this.#slots.flatMap((s) => (s.child && !s.child.death ? [s.child] : []));
  }

  /** Batch segments never wait: the server opens and closes them in one go. */
  leaseBatch(samples: number): Lease {
    if (this.#closed) throw new Error('pocketsphinx engine is closed');
    const slot = this.#pick((a, b) => a.batchSamples - b.batchSamples || a.streams - b.streams);
    if (!slot) throw this.#noProcessError();
    slot.batchSamples += samples;
    return this.#lease(slot, () => {
      slot.batchSamples -= samples;
    });
  }

  /** A stream slot now if there is capacity, otherwise once one frees up. */
  leaseStream(): Lease | Promise<Lease> {
    if (this.#closed) return Promise.reject(new Error('pocketsphinx engine is closed'));
    const l = this.#tryStream();
    if (l) return l;
    if (!this.#slots.some((s) => s.child)) return Promise.reject(this.#noProcessError());
    return new Promise<Lease>((resolve, reject) => this.#queue.push({ resolve, reject }));
  }

  async stop(): Promise<void> {
    this.#closed = true;
    for (const w of this.#queue.splice(0)) w.reject(new Error('pocketsphinx engine is closed'));
    await Promise.all(this.#slots.map((s) => s.child?.stop()));
  }

  #tryStream(): Lease | undefined {
    const cap = this.#opts.maxStreamsPerProcess;
    const slot = this.#pick(
      (a, b) => a.streams - b.streams || a.batchSamples - b.batchSamples,
      (s) => s.streams < cap,
    );
    if (!slot) return undefined;
    slot.streams++;
    return this.#lease(slot, () => {
      slot.streams--;
      this.#drain();
    });
  }

  #pick(order: (a: Slot, b: Slot) => number, ok: (s: Slot) => boolean = () => true): Slot | undefined {
    const live = this.#slots.filter((s) => s.child && !s.child.death && ok(s));
    return live.sort(order)[0];
  }

  #lease(slot: Slot, free: () => void): Lease {
    const child = slot.child!;
    const sid = slot.nextSid;
    slot.nextSid = (slot.nextSid % 0xffff_fffe) + 1;
    let released = false;
    return {
      child,
      sid,
      release: () => {
        // After a respawn the counters belong to the new process.
        if (released || slot.child !== child) return;
        released = true;
        free();
      },
    };
  }

  #drain(): void {
    while (this.#queue.length) {
      const l = this.#tryStream();
      if (!l) return;
      this.#queue.shift()!.resolve(l);
    }
  }

  #noProcessError(): Error {
    return new Error(`no pocketsphinx helper is running${this.#lastError ? `: ${this.#lastError.message}` : ''}`);
  }

  #spawn(slot: Slot): void {
    const child = new PsChild({
      binary: this.#opts.binary,
      args: this.#opts.args,
      readyTimeoutMs: this.#opts.readyTimeoutMs,
      onStderr: (line) => this.#opts.onStderr(line, child.pid),
    });
    slot.child = child;
    slot.streams = 0;
    slot.batchSamples = 0;
    let wasReady = false;
    child.ready.then(
      () => {
        wasReady = true;
        slot.failures = 0;
        this.#drain();
      },
      () => {},
    );
    void child.exited.then((err) => {
      this.#lastError = err;
      if (slot.child === child) slot.child = undefined;
      if (this.#closed) return;
      // Sessions on the dead process have already failed (their requests rejected); start over.
      if (!wasReady) slot.failures++;
      const delay = slot.failures ? Math.min(MAX_BACKOFF_MS, 250 * 2 ** slot.failures) : 0;
      this.#opts.onStderr(`${err.message}; restarting${delay ? ` in ${delay} ms` : ''}`, child.pid);
      if (!delay) return this.#spawn(slot);
      // Crashing at start-up (bad model path, broken binary): back off, and fail the queued streams
      // rather than leave them waiting when nothing is running.
      if (!this.#slots.some((s) => s.child)) {
        for (const w of this.#queue.splice(0)) w.reject(this.#noProcessError());
      }
      setTimeout(() => {
        if (!this.#closed) this.#spawn(slot);
      }, delay).unref();
    });
  }
}
