import type { Bus, DeliverFrom, StoredMessage, Subscription } from '@mi/bus';
import { type Envelope, streams, subjects } from '@mi/contracts';

/**
 * Position in a room's event log: the last delivered stream sequence of each event family
 * (transcript, speech, stream lifecycle), written `t-s-m`. A room is read as one replay per family
 * because nats-server 2.9 only accepts filters that are subsets of a stream subject; a cursor per
 * family makes resume exact even though families interleave.
 */
export type RoomCursor = number[];

export const formatCursor = (c: RoomCursor) => c.join('-');

export function parseCursor(value: string, families: number): RoomCursor | undefined {
  if (/^\d+$/.test(value)) return Array.from({ length: families }, () => Number(value)); // a plain sequence
  const parts = value.split('-');
  if (parts.length !== families || !parts.every((p) => /^\d+$/.test(p))) return undefined;
  return parts.map(Number);
}

export type RoomEvent = { cursor: string; seq: number; event: Envelope };
export type RoomPosition = 'start' | 'now' | { cursor: RoomCursor };

export function roomFamilies(room: string): string[] {
  return [...subjects.roomEvents(room)];
}

/** A room's events from a position, then live; de-duplicated by envelope id. */
export function followRoom(
  bus: Bus,
  room: string,
  opts: { from: RoomPosition; types?: Set<string> },
  onEvent: (e: RoomEvent) => void,
): Promise<Subscription> {
  return followFamilies(bus, roomFamilies(room), opts, onEvent);
}

/** Events of several subject families (one cursor entry each) from a position, then live. */
export async function followFamilies(
  bus: Bus,
  families: string[],
  opts: { from: RoomPosition; types?: Set<string> },
  onEvent: (e: RoomEvent) => void,
): Promise<Subscription> {
  const cursor: RoomCursor = typeof opts.from === 'object' ? [...opts.from.cursor] : families.map(() => 0);
  const seen = new Set<string>();
  const subs = await Promise.all(
    families.map((filterSubject, i) => {
      const from: DeliverFrom =
        opts.from === 'start'
          ? { kind: 'all' }
          : opts.from === 'now'
            ? { kind: 'new' }
            : { kind: 'seq', seq: cursor[i]! + 1 };
      return bus.replay(streams.EVENTS.name, { filterSubject, from, live: true }, (m: StoredMessage) => {
        cursor[i] = Math.max(cursor[i]!, m.seq);
        const event = parse(m);
        if (!event || seen.has(event.id)) return;
        seen.add(event.id);
        if (seen.size > 100_000) seen.clear();
        if (opts.types && !opts.types.has(event.type)) return;
        onEvent({ cursor: formatCursor(cursor), seq: m.seq, event });
      });
    }),
  );
  return { unsubscribe: async () => void (await Promise.all(subs.map((s) => s.unsubscribe()))) };
}

/** Every final transcript segment of a room stored so far, in speaking order, without duplicates. */
/** Every event stored on one subject filter so far, de-duplicated by id, in stream order. */
export async function storedEvents(bus: Bus, filterSubject: string): Promise<Envelope[]> {
  const byId = new Map<string, Envelope>();
  const sub = await bus.replay(streams.EVENTS.name, { filterSubject, from: { kind: 'all' }, live: false }, (m) => {
    const e = parse(m);
    if (e) byId.set(e.id, e);
  });
  await sub.done;
  await sub.unsubscribe();
  return [...byId.values()];
}

export async function roomTranscript(bus: Bus, room: string): Promise<Envelope[]> {
  const startedAt = (e: Envelope) => Date.parse((e.data as { startedAt: string }).startedAt);
  return (await storedEvents(bus, subjects.transcriptFinal(room))).sort((a, b) => startedAt(a) - startedAt(b));
}

function parse(m: StoredMessage): Envelope | undefined {
  try {
    return JSON.parse(Buffer.from(m.data).toString('utf8')) as Envelope;
  } catch {
    return undefined;
  }
}
