import { randomUUID } from 'node:crypto';
import type { Envelope, Producer } from './envelope.ts';

export type EventContext = {
  tenant: string;
  correlationId: string;
  producer: Producer;
  room?: string;
  job?: string;
};

/**
 * Wraps `data` in the v1 envelope. Pass `id` when the event must keep its id across
 * retries or replays (derive it from the input, not from time or randomness).
 */
export function makeEvent<T extends string, D>(
  type: T,
  version: number,
  data: D,
  ctx: EventContext,
  id: string = randomUUID(),
  time: Date = new Date(),
): Envelope<T, D> {
  const ev: Envelope<T, D> = {
    type,
    version,
    id,
    time: time.toISOString(),
    tenant: ctx.tenant,
    correlationId: ctx.correlationId,
    producer: ctx.producer,
    data,
  };
  if (ctx.room !== undefined) ev.room = ctx.room;
  if (ctx.job !== undefined) ev.job = ctx.job;
  return ev;
}
