import type { Bus } from '@mi/bus';
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

export { appendEvent } from '../bus-events.ts';
