import type { Logger, Metrics } from '@mi/telemetry';
import type { SfuConfig } from './config.ts';
import { RoomRegistry } from './room-registry.ts';
import type { SfuSignalingOptions } from './signaling.ts';
import type { MediaTaps } from './taps.ts';
import { WorkerPool } from './worker-pool.ts';

export type Sfu = {
  pool: WorkerPool;
  registry: RoomRegistry;
  /** Options for `sfuSignalingPlugin`. */
  signaling: SfuSignalingOptions;
  close(): Promise<void>;
};

/** Starts the worker pool and the room registry; mount `sfuSignalingPlugin` with `signaling`. */
export async function createSfu(deps: {
  config: SfuConfig;
  logger: Logger;
  metrics: Metrics;
  taps: MediaTaps;
}): Promise<Sfu> {
  const pool = new WorkerPool(deps.config, deps.logger);
  await pool.start();
  const registry = new RoomRegistry(pool, deps);
  return {
    pool,
    registry,
    signaling: { registry, config: deps.config, logger: deps.logger, metrics: deps.metrics },
    async close() {
      await registry.closeAll();
      await pool.close();
    },
  };
}
