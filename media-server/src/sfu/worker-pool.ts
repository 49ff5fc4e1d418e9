import { EventEmitter } from 'node:events';
import type { Logger } from '@mi/telemetry';
import { createWorker, type types } from 'mediasoup';
import type { SfuConfig } from './config.ts';

export type WorkerPoolEvents = {
  /** A worker died and was replaced; rooms on it must move (their routers are gone). */
  workerDied: [dead: types.Worker, replacement: types.Worker | undefined];
};

/**
 * One mediasoup worker per core. Rooms go to the worker with the fewest routers; a worker
 * that dies is replaced at once and `workerDied` tells the room registry to move its rooms.
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #workers: types.Worker[] = [];
  readonly #routers = new Map<types.Worker, number>();
  #closed = false;

  constructor(
    private readonly config: Pick<SfuConfig, 'workers' | 'rtcMinPort' | 'rtcMaxPort' | 'logLevel' | 'workerBin'>,
    private readonly logger: Logger,
  ) {
    super();
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.config.workers; i++) this.#add(await this.#create(i));
  }

  get workers(): readonly types.Worker[] {
    return this.#workers;
  }

  /** The least loaded live worker. */
  pick(): types.Worker {
    const live = this.#workers.filter((w) => !w.closed && !w.died);
    if (live.length === 0) throw new Error('no mediasoup worker available');
    return live.reduce((a, b) => ((this.#routers.get(a) ?? 0) <= (this.#routers.get(b) ?? 0) ? a : b));
  }

  /** Counts a router against its worker until the router closes. */
  track(worker: types.Worker, router: types.Router): void {
    this.#routers.set(worker, (this.#routers.get(worker) ?? 0) + 1);
    router.observer.once('close', () => this.#routers.set(worker, Math.max(0, (this.#routers.get(worker) ?? 1) - 1)));
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const w of this.#workers) w.close();
    this.#workers.length = 0;
  }

  async #create(slot: number): Promise<types.Worker> {
    // Every worker gets the whole range: mediasoup tries another port when one is taken.
    return createWorker({
      logLevel: this.config.logLevel,
      rtcMinPort: this.config.rtcMinPort,
      rtcMaxPort: this.config.rtcMaxPort,
      appData: { slot },
      ...(this.config.workerBin ? { workerBin: this.config.workerBin } : {}),
    });
  }

  #add(worker: types.Worker): void {
    this.#workers.push(worker);
    this.#routers.set(worker, 0);
    worker.on('died', (error) => void this.#replace(worker, error));
    this.logger.info({ pid: worker.pid }, 'mediasoup worker started');
  }

  async #replace(dead: types.Worker, error: Error): Promise<void> {
    this.logger.error({ pid: dead.pid, err: error.message }, 'mediasoup worker died');
    const i = this.#workers.indexOf(dead);
    if (i >= 0) this.#workers.splice(i, 1);
    this.#routers.delete(dead);
    let replacement: types.Worker | undefined;
    if (!this.#closed) {
      try {
        replacement = await this.#create((dead.appData as { slot?: number }).slot ?? 0);
        this.#add(replacement);
      } catch (err) {
        this.logger.error({ err: (err as Error).message }, 'could not replace a dead mediasoup worker');
      }
    }
    this.emit('workerDied', dead, replacement);
  }
}
