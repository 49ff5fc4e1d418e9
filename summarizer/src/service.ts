import { type Bus, headerNames, type KeyValue, KvConflictError, type Subscription, type WorkMessage } from '@mi/bus';
import {
  ActionApprovedV1,
  ActionRejectedV1,
  assertValid,
  makeEvent,
  RoomEndedV1,
  StreamLifecycleV1,
  streams,
  subjects,
  TranscriptFinalV1,
} from '@mi/contracts';
import type { ApprovalStore, AuditLog } from '@mi/governance';
import { type Logger, type Metrics, startSpanFrom, traceparentOf } from '@mi/telemetry';
import type { Tracer } from '@opentelemetry/api';
import type { Static, TSchema } from '@sinclair/typebox';
import type { SummarizerConfig } from './config.ts';
import type { ExtractionEngine } from './engine.ts';
import type { PolicyEvaluator } from './gate.ts';
import { applyInput, type RoomInput } from './processor.ts';
import { decodeState, type Effect, encodeState, newRoomState, type RoomState } from './room-state.ts';

export type SummarizerServiceOptions = {
  bus: Bus;
  engine: ExtractionEngine;
  gate: PolicyEvaluator;
  approvals: ApprovalStore;
  audit: AuditLog;
  config: SummarizerConfig;
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
  service: { name: string; version: string };
  now?: () => Date;
};

const STATE_BUCKET = 'summarizer_rooms';
const enc = new TextEncoder();
const dec = new TextDecoder();
const MAX_CAS_ATTEMPTS = 8;

/**
 * The live summarizer. Reads final transcript segments, stream lifecycle, room ends and people's
 * approval decisions from the EVENTS stream through durable consumers, keeps one state per meeting
 * in KV, and publishes summary diffs, gated action items and the final summary.
 *
 * Crash safety: each step saves the new state together with its side effects (outbox) by
 * compare-and-set before carrying them out, and acknowledges its input last. A worker killed at
 * any point leaves either an unacknowledged input (redelivered; already-processed segments are
 * skipped) or a saved outbox (carried out again; every effect is idempotent). Several workers can
 * share the consumers: compare-and-set serialises each room.
 */
export class SummarizerService {
  #subs: Subscription[] = [];
  #kv: KeyValue | undefined;
  #locks = new Map<string, Promise<void>>();
  #endTimers = new Map<string, NodeJS.Timeout>();
  #closed = false;
  readonly #now: () => Date;

  constructor(private readonly opts: SummarizerServiceOptions) {
    this.#now = opts.now ?? (() => new Date());
  }

  async start(): Promise<void> {
    const { bus, config } = this.opts;
    for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
    this.#kv = await bus.kv(STATE_BUCKET);
    // Segments and stream lifecycle must be applied in stream order (a request before its
    // acceptance, `started` before `ended`), also after a crash: one message in flight at a time,
    // so a redelivered message is always the oldest. Decisions and room ends are order-free.
    const consumer = (durable: string, filterSubject: string, ordered: boolean) => ({
      stream: streams.EVENTS.name,
      durable,
      filterSubject,
      ackWaitMs: config.ackWaitMs,
      maxDeliver: 10,
      ...(ordered ? { maxAckPending: 1, concurrency: 1 } : { concurrency: config.concurrency }),
    });
    const on = (fn: (m: WorkMessage) => Promise<void>) => (m: WorkMessage) => this.#handle(m, fn);
    this.#subs.push(
      await bus.consume(
        consumer('summarizer-finals', subjects.allTranscriptFinals, true),
        on((m) => this.#onFinal(m)),
      ),
      await bus.consume(
        consumer('summarizer-streams', subjects.allStreamLifecycle, true),
        on((m) => this.#onStream(m)),
      ),
      await bus.consume(
        consumer('summarizer-decisions', subjects.allActionDecisions, false),
        on((m) => this.#onDecision(m)),
      ),
      await bus.consume(
        consumer('summarizer-ends', subjects.allRoomEnded, false),
        on((m) => this.#onEnd(m)),
      ),
    );
    await this.#resumeEndTimers();
    this.opts.logger.info({ bus: bus.kind, engine: this.opts.engine.name }, 'summarizer started');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#endTimers.values()) clearTimeout(t);
    for (const s of this.#subs) await s.unsubscribe();
    await Promise.allSettled([...this.#locks.values()]);
  }

  /** The current state of a meeting (for the API and tests). */
  async room(tenant: string, room: string): Promise<RoomState | null> {
    const e = await this.#kv?.get(`${tenant}.${room}`);
    return e ? decodeState(e.value) : null;
  }

  async #handle(msg: WorkMessage, fn: (m: WorkMessage) => Promise<void>): Promise<void> {
    if (msg.deliveryCount > 1) this.opts.metrics.retries.inc({ stage: 'summarizer' });
    try {
      await fn(msg);
      await msg.ack();
    } catch (error) {
      if (error instanceof InvalidInput) {
        this.opts.logger.warn({ subject: msg.subject, err: error.message }, 'invalid event dead-lettered');
        await msg.term(error.message);
        return;
      }
      this.opts.logger.error({ err: error, subject: msg.subject }, 'summarizer step failed; will retry');
      msg.nak(500);
    }
  }

  async #onFinal(msg: WorkMessage): Promise<void> {
    const event = parse(TranscriptFinalV1, msg);
    const traceparent = msg.headers[headerNames.traceparent];
    const span = startSpanFrom(this.opts.tracer, 'summarizer.segment', traceparent, {
      attributes: { 'mi.room': event.data.room, 'mi.segment': event.data.segmentId },
    });
    try {
      const t0 = performance.now();
      const { proposed } = await this.#apply(event.tenant, event.data.room, event.correlationId, {
        kind: 'segment',
        event,
        traceparent: traceparentOf(span),
      });
      this.opts.metrics.stageLatency.observe({ stage: 'summarize_segment' }, (performance.now() - t0) / 1000);
      // Glass-side latency: from the end of the utterance (wall clock) to its action items going out.
      if (proposed > 0) {
        const spokenEnd = Date.parse(event.data.startedAt) + (event.data.end - event.data.start);
        this.opts.metrics.stageLatency.observe({ stage: 'utterance_to_action_item' }, (Date.now() - spokenEnd) / 1000);
      }
    } finally {
      span.end();
    }
  }

  async #onStream(msg: WorkMessage): Promise<void> {
    const event = parse(StreamLifecycleV1, msg);
    const d = event.data;
    const { state } = await this.#apply(event.tenant, d.room, event.correlationId, {
      kind: 'stream',
      stream: d.stream,
      state: d.state,
      participant: d.participant,
    });
    if (state.activeStreams.length === 0 && !state.ended) this.#scheduleEnd(state);
    else this.#cancelEnd(event.tenant, d.room);
  }

  async #onDecision(msg: WorkMessage): Promise<void> {
    if (msg.subject.endsWith('.pending')) return;
    const event = msg.subject.endsWith('.approved') ? parse(ActionApprovedV1, msg) : parse(ActionRejectedV1, msg);
    if (event.data.decidedBy.kind !== 'user') return; // the policy's own approvals are already in the state
    await this.#apply(event.tenant, event.data.room, event.correlationId, { kind: 'decision', event });
  }

  async #onEnd(msg: WorkMessage): Promise<void> {
    const event = parse(RoomEndedV1, msg);
    this.#cancelEnd(event.tenant, event.data.room);
    const traceparent = msg.headers[headerNames.traceparent];
    await this.#apply(event.tenant, event.data.room, event.correlationId, {
      kind: 'end',
      event,
      ...(traceparent ? { traceparent } : {}),
    });
  }

  /** Runs one input against a room: serialised per room here, compare-and-set across workers. */
  /** Resolves with the room's state after the input and how many new action items it proposed. */
  #apply(
    tenant: string,
    room: string,
    correlationId: string,
    input: RoomInput,
  ): Promise<{ proposed: number; state: RoomState }> {
    const key = `${tenant}.${room}`;
    const prev = this.#locks.get(key) ?? Promise.resolve();
    const run = prev.then(() => this.#step(key, tenant, room, correlationId, input));
    const tail = run.then(
      () => {},
      () => {},
    );
    this.#locks.set(key, tail);
    void tail.then(() => {
      if (this.#locks.get(key) === tail) this.#locks.delete(key);
    });
    return run;
  }

  async #step(key: string, tenant: string, room: string, correlationId: string, input: RoomInput) {
    const kv = this.#kv!;
    for (let attempt = 1; attempt <= MAX_CAS_ATTEMPTS; attempt++) {
      const entry = await kv.get(key);
      const state = entry
        ? decodeState(entry.value)
        : newRoomState({
            tenant,
            room,
            meetingDate: meetingDateOf(input, this.#now()),
            correlationId,
            now: this.#now(),
          });
      // Effects a crashed worker saved but may not have carried out.
      if (state.outbox.length) await this.#carryOut(state.outbox);
      state.outbox = [];
      const result = await applyInput(state, input, {
        engine: this.opts.engine,
        gate: this.opts.gate,
        producer: this.#producer(),
        maxBullets: this.opts.config.maxBullets,
        now: this.#now,
      });
      if (!result.changed) return { proposed: 0, state };
      const effects = state.outbox;
      let revision: number;
      try {
        revision = entry
          ? await kv.update(key, encodeState(state), entry.revision)
          : await kv.create(key, encodeState(state));
      } catch (error) {
        if (error instanceof KvConflictError) continue; // another worker moved this room on; redo from its state
        throw error;
      }
      await this.#carryOut(effects);
      try {
        await kv.update(key, encodeState({ ...state, outbox: [] }), revision);
      } catch (error) {
        if (!(error instanceof KvConflictError)) throw error; // someone else already moved on (and carried out the outbox)
      }
      if (effects.some((e) => e.kind === 'approval')) await this.#updatePendingGauge();
      return { proposed: result.actionItemsProposed, state };
    }
    throw new Error(`room ${room}: state kept changing under us (${MAX_CAS_ATTEMPTS} attempts)`);
  }

  async #carryOut(effects: Effect[]): Promise<void> {
    for (const e of effects) {
      switch (e.kind) {
        case 'event': {
          const headers: Record<string, string> = { [headerNames.correlationId]: e.event.correlationId };
          if (e.traceparent) headers[headerNames.traceparent] = e.traceparent;
          await this.opts.bus.append(e.subject, enc.encode(JSON.stringify(e.event)), { msgId: e.event.id, headers });
          this.opts.metrics.events.inc({ type: e.event.type });
          break;
        }
        case 'approval':
          await this.opts.approvals.request(e.approval);
          break;
        case 'approval-refresh':
          await this.opts.approvals.refreshPending(e.tenant, e.id, e.item);
          break;
        case 'audit':
          await this.opts.audit.append(e.entry, e.key);
          break;
      }
    }
  }

  #producer() {
    return { service: this.opts.service.name, version: this.opts.service.version };
  }

  async #updatePendingGauge(): Promise<void> {
    this.opts.metrics.approvalsPending.set(await this.opts.approvals.countPending());
  }

  // --- end of meeting when every stream has ended and stayed so for the grace period ---

  #scheduleEnd(state: RoomState): void {
    const key = `${state.tenant}.${state.room}`;
    this.#cancelEnd(state.tenant, state.room);
    const wait = Math.max(0, Date.parse(state.lastActivityAt) + this.opts.config.endGraceMs - this.#now().getTime());
    const timer = setTimeout(() => {
      this.#endTimers.delete(key);
      void this.#endIfIdle(state.tenant, state.room).catch((err) =>
        this.opts.logger.warn({ err, room: state.room }, 'ending room failed'),
      );
    }, wait);
    timer.unref();
    this.#endTimers.set(key, timer);
  }

  #cancelEnd(tenant: string, room: string): void {
    const key = `${tenant}.${room}`;
    clearTimeout(this.#endTimers.get(key));
    this.#endTimers.delete(key);
  }

  async #endIfIdle(tenant: string, room: string): Promise<void> {
    if (this.#closed) return;
    const state = await this.room(tenant, room);
    if (!state || state.ended || state.activeStreams.length > 0) return;
    const idleMs = this.#now().getTime() - Date.parse(state.lastActivityAt);
    if (idleMs < this.opts.config.endGraceMs) return this.#scheduleEnd(state);
    const event = makeEvent(
      'room.ended',
      1,
      { room, reason: 'streams-ended' as const },
      { tenant, correlationId: state.correlationId, producer: this.#producer(), room },
      `${room}.ended.${state.segments.length}`,
    );
    await this.opts.bus.append(subjects.roomEnded(room), enc.encode(JSON.stringify(event)), {
      msgId: event.id,
      headers: { [headerNames.correlationId]: state.correlationId },
    });
  }

  /** After a restart: rooms whose streams had all ended still get their final summary. */
  async #resumeEndTimers(): Promise<void> {
    for (const key of await this.#kv!.keys()) {
      const e = await this.#kv!.get(key);
      if (!e) continue;
      const state = decodeState(e.value);
      if (!state.ended && state.activeStreams.length === 0 && state.segments.length > 0) this.#scheduleEnd(state);
    }
  }
}

class InvalidInput extends Error {}

function parse<T extends TSchema>(schema: T, msg: WorkMessage): Static<T> {
  try {
    return assertValid(schema, JSON.parse(dec.decode(msg.data)), msg.subject);
  } catch (error) {
    throw new InvalidInput((error as Error).message);
  }
}

/** The meeting date relative due dates resolve against: the day the first segment was spoken. */
function meetingDateOf(input: RoomInput, now: Date): string {
  const at = input.kind === 'segment' ? new Date(input.event.data.startedAt) : now;
  return at.toISOString().slice(0, 10);
}
