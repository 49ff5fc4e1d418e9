import { InProcessBus } from './inprocess-bus.ts';
import { NatsBus } from './nats-bus.ts';
import type { Bus } from './types.ts';

export { deadLetterStream, defaultDeadLetterSubject } from './dead-letter.ts';
export { BusReplyError, NoStreamError } from './errors.ts';
export { InProcessBus, type InProcessBusOptions } from './inprocess-bus.ts';
export { NatsBus, type NatsBusOptions } from './nats-bus.ts';
export { subjectMatches } from './subject-match.ts';
export { type TenantRecord, TenantRecords } from './tenant-records.ts';
export * from './types.ts';

export interface BusConfig {
  /** NATS server URL(s), comma separated; when unset the embedded in-process bus is used. */
  natsUrl?: string;
  /** Persistence directory for the in-process bus (ignored with NATS). */
  dataDir?: string;
  /** In-process bus: streams not persisted even with a dataDir. */
  memoryOnlyStreams?: string[];
  /** NATS: keep retrying the first connection this long. */
  connectTimeoutMs?: number;
  /** Connection name shown by the NATS server. */
  name?: string;
  onError?: (error: unknown) => void;
}

/** The NATS bus when `natsUrl` is set, else the in-process one. */
export async function createBus(config: BusConfig): Promise<Bus> {
  const onError = config.onError ? { onError: config.onError } : {};
  if (config.natsUrl) {
    const servers = config.natsUrl
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return NatsBus.connect({
      servers,
      ...(config.name ? { name: config.name } : {}),
      ...(config.connectTimeoutMs ? { connectTimeoutMs: config.connectTimeoutMs } : {}),
      ...onError,
    });
  }
  return new InProcessBus({
    ...(config.dataDir ? { dataDir: config.dataDir } : {}),
    ...(config.memoryOnlyStreams ? { memoryOnlyStreams: config.memoryOnlyStreams } : {}),
    ...onError,
  });
}
