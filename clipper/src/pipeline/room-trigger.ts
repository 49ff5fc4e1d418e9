import { createHash } from 'node:crypto';
import type { Bus, Subscription, WorkMessage } from '@mi/bus';
import {
  assertValid,
  type ClipOptions,
  type Envelope,
  type JobCreate,
  type RoomEndedData,
  RoomEndedV1,
  streams,
  subjects,
} from '@mi/contracts';
import type { JobQueue } from '@mi/jobs';
import type { Logger } from '@mi/telemetry';
import { meetingSpanMs, readRoomHistory, selectMeeting } from './room-source.ts';

const dec = new TextDecoder();

export type RoomHighlightsTriggerOptions = {
  bus: Bus;
  queue: Pick<JobQueue, 'submit'>;
  logger: Logger;
  /** Off: start() consumes nothing (default on). */
  enabled?: boolean;
  /** Highlights per meeting (default 5). */
  highlights?: number;
  minClipMs?: number;
  maxClipMs?: number;
  clip?: ClipOptions;
  /**
   * Meetings whose recordings known at the end span less than this are not worth highlights
   * (default 60 s). A meeting with no recordings yet is submitted all the same: the job waits for them.
   */
  minMeetingMs?: number;
  /** Durable consumer name (default `room-highlights`); starts with the events after its creation. */
  durable?: string;
};

/** A job id that is the same for every delivery of one `room.ended` event (a valid subject token). */
export function roomJobId(tenant: string, eventId: string): string {
  return `room_${createHash('sha256').update(`${tenant}\n${eventId}`).digest('hex').slice(0, 40)}`;
}

/**
 * Turns every ended meeting into a highlights job of its room's recordings. A durable consumer of
 * `room.ended`: the job id comes from the event, and submitting is idempotent by id, so a
 * redelivered or re-published event makes no second job. Malformed events are termed.
 */
export class RoomHighlightsTrigger {
  #subscription: Subscription | undefined;

  constructor(private readonly opts: RoomHighlightsTriggerOptions) {}

  async start(): Promise<void> {
    if (this.opts.enabled === false || this.#subscription) return;
    this.#subscription = await this.opts.bus.consume(
      {
        stream: streams.EVENTS.name,
        durable: this.opts.durable ?? 'room-highlights',
        filterSubject: subjects.allRoomEnded,
        // A new deployment does not turn a week of past meetings into jobs.
        deliverFrom: { kind: 'new' },
        concurrency: 1,
      },
      (msg) => this.#handle(msg),
    );
  }

  async close(): Promise<void> {
    await this.#subscription?.unsubscribe();
    this.#subscription = undefined;
  }

  async #handle(msg: WorkMessage): Promise<void> {
    let event: Envelope<'room.ended', RoomEndedData>;
    try {
      event = assertValid(RoomEndedV1, JSON.parse(dec.decode(msg.data)), 'room.ended');
    } catch (err) {
      this.opts.logger.warn({ err, subject: msg.subject, seq: msg.seq }, 'room highlights: malformed room.ended');
      await msg.term(`malformed room.ended: ${(err as Error).message}`);
      return;
    }
    const { tenant } = event;
    const { room } = event.data;
    const log = this.opts.logger.child({ tenant, room, correlationId: event.correlationId });
    try {
      const minMs = this.opts.minMeetingMs ?? 60_000;
      if (minMs > 0) {
        const meeting = selectMeeting(await readRoomHistory(this.opts.bus, tenant, room, log), Date.parse(event.time));
        const spanMs = meetingSpanMs(meeting.recordings);
        if (meeting.recordings.length > 0 && spanMs < minMs) {
          log.info({ spanMs, minMs }, 'room highlights: meeting too short, no job');
          await msg.ack();
          return;
        }
      }
      const request: JobCreate = {
        kind: 'highlights',
        source: { room },
        highlights: this.opts.highlights ?? 5,
        ...(this.opts.minClipMs ? { minClipMs: this.opts.minClipMs } : {}),
        ...(this.opts.maxClipMs ? { maxClipMs: this.opts.maxClipMs } : {}),
        ...(this.opts.clip ? { clip: this.opts.clip } : {}),
      };
      const job = await this.opts.queue.submit({
        tenant,
        id: roomJobId(tenant, event.id),
        request,
        correlationId: event.correlationId,
      });
      log.info({ job: job.id, event: event.id }, 'room highlights: job submitted');
      await msg.ack();
    } catch (err) {
      log.warn({ err, event: event.id }, 'room highlights: submitting failed; will retry');
      msg.nak(2000);
    }
  }
}
