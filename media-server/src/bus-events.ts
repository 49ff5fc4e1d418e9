import { type Bus, headerNames } from '@mi/bus';
import type { EventContext } from '@mi/contracts';

/** Appends an event to the bus; the event id doubles as the message id, so a retry is de-duplicated. */
export async function appendEvent(bus: Bus, subject: string, ev: { id: string }, ctx: EventContext): Promise<void> {
  await bus.append(subject, Buffer.from(JSON.stringify(ev)), {
    msgId: ev.id,
    headers: { [headerNames.correlationId]: ctx.correlationId },
  });
}
