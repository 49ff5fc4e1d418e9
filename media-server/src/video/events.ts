import { type Bus, headerNames } from '@mi/bus';
import type { EventContext, Participant } from '@mi/contracts';
import type { Logger } from '@mi/telemetry';
import type { KeyframeObjectStore } from './types.ts';

/** Where the tap's events and objects go, and whose track they are about. */
export interface PublishTarget {
  bus: Bus;
  store: KeyframeObjectStore;
  ctx: EventContext;
  room: string;
  participant: Participant;
  producerId: string;
  log: Logger;
}

/** Appends an event to the bus; the event id doubles as the message id, so a retry is de-duplicated. */
export async function appendEvent(bus: Bus, subject: string, ev: { id: string }, ctx: EventContext): Promise<void> {
  await bus.append(subject, Buffer.from(JSON.stringify(ev)), {
    msgId: ev.id,
    headers: { [headerNames.correlationId]: ctx.correlationId },
  });
}
