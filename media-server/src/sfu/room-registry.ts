import { sfuCloseCodes, sfuErrorCodes } from '@mi/contracts';
import type { RoomDeps } from './room.ts';
import { Room } from './room.ts';
import { SfuError } from './sfu-error.ts';
import type { WorkerPool } from './worker-pool.ts';

/**
 * Live rooms by id. A room is created on the least loaded worker at its first join and
 * closes when empty; when its worker dies the room is reset (peers told to rejoin) and the
 * next join recreates it on a live worker.
 */
export class RoomRegistry {
  readonly #rooms = new Map<string, Promise<Room>>();

  constructor(
    private readonly pool: WorkerPool,
    private readonly deps: RoomDeps,
  ) {
    // The dead worker's routers are closed by mediasoup, and each room resets itself (4503).
    pool.on('workerDied', () => this.deps.metrics.sfuWorkerDeaths.inc());
  }

  /** The room, created on first use; a room belongs to the tenant that opened it. */
  async get(id: string, tenant: string): Promise<Room> {
    let pending = this.#rooms.get(id);
    if (pending) {
      const room = await pending.catch(() => undefined);
      if (room && !room.closed) {
        if (room.tenant !== tenant) throw new SfuError(sfuErrorCodes.forbidden, 'room belongs to another tenant');
        return room;
      }
      if (this.#rooms.get(id) === pending) this.#rooms.delete(id);
      return this.get(id, tenant);
    }
    const worker = this.pool.pick();
    pending = Room.create(id, tenant, worker, this.deps);
    this.#rooms.set(id, pending);
    try {
      const room = await pending;
      this.pool.track(worker, room.router);
      room.once('close', () => {
        if (this.#rooms.get(id) === pending) this.#rooms.delete(id);
      });
      return room;
    } catch (err) {
      this.#rooms.delete(id);
      throw err;
    }
  }

  /** Rooms open now. */
  async list(): Promise<Room[]> {
    const rooms = await Promise.all([...this.#rooms.values()].map((p) => p.catch(() => undefined)));
    return rooms.filter((r): r is Room => !!r && !r.closed);
  }

  async closeAll(reason = 'server shutting down'): Promise<void> {
    const rooms = await this.list();
    await Promise.all(rooms.map((r) => r.close(reason, sfuCloseCodes.goingAway)));
  }
}
