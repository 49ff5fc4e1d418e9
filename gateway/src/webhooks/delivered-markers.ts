import type { Bus, KeyValue } from '@mi/bus';

/**
 * Which (endpoint, event) pairs a receiver already confirmed. A source message is acked only once
 * all its deliveries finished, so after a crash it comes back with some of them done; these
 * markers keep those from being sent again. They expire with the events they describe.
 */
export class DeliveredMarkers {
  private constructor(private readonly kv: KeyValue) {}

  static async open(bus: Bus, opts: { bucket?: string; ttlMs?: number } = {}): Promise<DeliveredMarkers> {
    // A day past the EVENTS stream's retention: no event can be redelivered after its marker expired.
    const ttlMs = opts.ttlMs ?? 8 * 24 * 3600_000;
    return new DeliveredMarkers(await bus.kv(opts.bucket ?? 'webhook-delivered', { ttlMs }));
  }

  async has(endpointId: string, eventId: string): Promise<boolean> {
    return (await this.kv.get(key(endpointId, eventId))) !== null;
  }

  async mark(endpointId: string, eventId: string): Promise<void> {
    await this.kv.put(key(endpointId, eventId), new Uint8Array([1]));
  }
}

/** Event ids may hold characters KV keys do not allow; base64url maps them onto allowed ones. */
const key = (endpointId: string, eventId: string) =>
  `${endpointId}.${Buffer.from(eventId, 'utf8').toString('base64url')}`;
