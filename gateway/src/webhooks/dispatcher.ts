import { type Bus, headerNames, type Subscription, type WorkMessage } from '@mi/bus';
import { streams, type WebhookDeadLetter } from '@mi/contracts';
import { backoffDelay, type CircuitState, sleep } from '@mi/resilience';
import { inSpan, type Logger, type Metrics, traceparentOf } from '@mi/telemetry';
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { DeadLetterStore, newDeadLetterId } from './dead-letters.ts';
import { DeliveredMarkers } from './delivered-markers.ts';
import { EndpointGate } from './endpoint-gate.ts';
import { type AttemptResult, postWebhook } from './http-post.ts';
import { KeyedFifo } from './keyed-fifo.ts';
import { deliverableTypeOfSubject, isDeliverableType } from './match.ts';
import { PendingMessages } from './pending-messages.ts';
import type { WebhookRegistry } from './registry.ts';
import { signatureHeaders } from './signature.ts';

export type WebhookDispatcherOptions = {
  /** HTTP attempts per delivery before it is dead-lettered (waiting on an open circuit is not one). */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Per attempt, response body included. */
  timeoutMs: number;
  breakerFailureThreshold: number;
  breakerOpenMs: number;
  /** Durable consumer name on the EVENTS stream; gateways sharing it share the work. */
  durable: string;
  /** Source messages held at once (consumer concurrency): the backpressure window. */
  maxInFlight: number;
  /** Consumer ack wait; held messages are kept alive with working() three times per ack wait. */
  ackWaitMs: number;
  /** Deliveries of one source message before the bus dead-letters it; only internal failures redeliver. */
  maxDeliver: number;
  /** On close, how long attempts already sent may take to finish before they are cut off. */
  closeGraceMs: number;
};

export const dispatcherDefaults: WebhookDispatcherOptions = {
  maxAttempts: 8,
  backoffBaseMs: 500,
  backoffMaxMs: 60_000,
  timeoutMs: 10_000,
  breakerFailureThreshold: 5,
  breakerOpenMs: 30_000,
  durable: 'webhooks',
  maxInFlight: 256,
  ackWaitMs: 30_000,
  maxDeliver: 20,
  closeGraceMs: 5_000,
};

export type WebhookDispatcherDeps = {
  bus: Bus;
  registry: WebhookRegistry;
  metrics: Metrics;
  logger: Logger;
  tracer: Tracer;
  fetch?: typeof fetch;
  options?: Partial<WebhookDispatcherOptions>;
};

export type EndpointStats = { queued: number; inFlight: number; breaker: CircuitState };
export type DispatcherStats = {
  /** Source messages held until all their deliveries finish. */
  pendingMessages: number;
  endpoints: Record<string, EndpointStats>;
};

type Origin = { kind: 'message'; seq: number } | { kind: 'dead-letter'; record: WebhookDeadLetter };

/** One event on its way to one endpoint. */
type Delivery = {
  endpointId: string;
  eventId: string;
  eventType: string;
  room: string | undefined;
  /** The envelope exactly as stored: what is signed and sent. */
  body: string;
  traceparent: string | undefined;
  /** A predecessor may have delivered it before crashing: check the marker first. */
  maybeDelivered: boolean;
  origin: Origin;
};

type Outcome = 'delivered' | 'already-delivered' | 'dead-lettered' | 'gone' | 'skipped';

const userAgent = 'mediaintel-webhooks/1';
const decoder = new TextDecoder();
/** Events of one room reach an endpoint in order; roomless events (job progress) share one lane. */
const laneKey = (endpointId: string, room: string | undefined) => `${endpointId}|${room ?? '-'}`;

export class DispatcherClosedError extends Error {
  constructor() {
    super('webhook dispatcher closed');
  }
}

/**
 * Delivers events from the EVENTS stream to webhook endpoints: signed POSTs, per (endpoint, room)
 * ordering, retries with jittered backoff, a circuit breaker per endpoint, dead letters after the
 * last attempt. A source message is acked only when all its deliveries finished, so a crash loses
 * nothing; delivered markers keep the redelivery from resending what already arrived.
 */
export class WebhookDispatcher {
  private readonly opts: WebhookDispatcherOptions;
  private readonly fetch: typeof fetch;
  /** Fires on close: no new attempts, no more waiting on backoff or an open circuit. */
  private readonly stopping = new AbortController();
  /** Fires when the close grace period ends: attempts still in flight are cut off. */
  private readonly aborting = new AbortController();
  private readonly fifo: KeyedFifo<Delivery>;
  private readonly pending: PendingMessages;
  private readonly gates = new Map<string, EndpointGate>();
  /** Dead letters queued by a replay and not finished yet (a second replay must not queue them twice). */
  private readonly replaying = new Set<string>();
  private stores: { deadLetters: DeadLetterStore; markers: DeliveredMarkers } | undefined;
  private subscription: Subscription | undefined;
  private startedAt = 0;
  private closed = false;

  constructor(private readonly deps: WebhookDispatcherDeps) {
    this.opts = { ...dispatcherDefaults, ...deps.options };
    if (this.opts.maxAttempts < 1) throw new Error('maxAttempts must be at least 1');
    this.fetch = deps.fetch ?? globalThis.fetch;
    this.fifo = new KeyedFifo(
      (d) => this.deliver(d),
      (error) => deps.logger.error({ err: error }, 'webhook delivery failed'),
    );
    this.pending = new PendingMessages({
      workingEveryMs: Math.max(10, Math.floor(this.opts.ackWaitMs / 3)),
      retryDelayMs: Math.min(5_000, this.opts.ackWaitMs),
      onError: (error) => deps.logger.warn({ err: error }, 'webhook source message ack failed'),
    });
  }

  async start(): Promise<void> {
    if (this.subscription || this.closed) throw new Error('webhook dispatcher already started');
    const { bus } = this.deps;
    this.stores = { deadLetters: await DeadLetterStore.open(bus), markers: await DeliveredMarkers.open(bus) };
    this.startedAt = Date.now();
    this.pending.start();
    this.subscription = await bus.consume(
      {
        stream: streams.EVENTS.name,
        durable: this.opts.durable,
        ackWaitMs: this.opts.ackWaitMs,
        maxDeliver: this.opts.maxDeliver,
        maxAckPending: this.opts.maxInFlight,
        concurrency: this.opts.maxInFlight,
        // A first start must not send a week of history to endpoints created since.
        deliverFrom: { kind: 'new' },
      },
      (msg) => this.onMessage(msg),
    );
  }

  /**
   * Stops taking events and starting attempts. Attempts already sent get `closeGraceMs` to finish,
   * so a receiver that got an event is recorded as having it (an attempt cut off could have reached
   * it and would be sent again). Unfinished source messages are redelivered to the next dispatcher.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.subscription?.unsubscribe();
    this.stopping.abort(new DispatcherClosedError());
    this.fifo.clear();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.opts.closeGraceMs);
    });
    await Promise.race([this.fifo.idle(), grace]);
    clearTimeout(timer);
    this.aborting.abort(new DispatcherClosedError());
    await this.fifo.idle();
    this.pending.stop();
    await this.stores?.deadLetters.close();
  }

  stats(): DispatcherStats {
    const endpoints: Record<string, EndpointStats> = {};
    const of = (id: string) => {
      let s = endpoints[id];
      if (!s) endpoints[id] = s = { queued: 0, inFlight: 0, breaker: this.gates.get(id)?.state ?? 'closed' };
      return s;
    };
    for (const id of this.gates.keys()) of(id);
    for (const lane of this.fifo.entries()) {
      if (lane.current) of(lane.current.endpointId).inFlight++;
      for (const d of lane.waiting) of(d.endpointId).queued++;
    }
    return { pendingMessages: this.pending.size, endpoints };
  }

  endpointStats(endpointId: string): EndpointStats {
    return this.stats().endpoints[endpointId] ?? { queued: 0, inFlight: 0, breaker: 'closed' };
  }

  /** Oldest failure first. */
  async listDeadLetters(endpointId: string): Promise<WebhookDeadLetter[]> {
    return (await this.started().deadLetters.list(endpointId)).map((e) => e.record);
  }

  /**
   * Queues dead letters (all, or those in `ids`) for delivery again, in failure order, behind the
   * endpoint's live events of the same room. Each record is deleted once delivered, or updated when
   * it fails again. Returns how many were queued.
   */
  async replayDeadLetters(endpointId: string, ids?: readonly string[]): Promise<number> {
    if (this.closed) throw new DispatcherClosedError();
    const wanted = ids ? new Set(ids) : undefined;
    let count = 0;
    for (const entry of await this.started().deadLetters.list(endpointId)) {
      const { record } = entry;
      const key = `${endpointId}.${record.id}`;
      if ((wanted && !wanted.has(record.id)) || this.replaying.has(key)) continue;
      this.replaying.add(key);
      this.fifo.push(laneKey(endpointId, record.room), {
        endpointId,
        eventId: record.eventId,
        eventType: record.eventType,
        room: record.room,
        body: entry.event,
        traceparent: entry.traceparent,
        maybeDelivered: false,
        origin: { kind: 'dead-letter', record },
      });
      count++;
    }
    return count;
  }

  /** An endpoint was deleted: drops its dead letters and breaker. */
  async forgetEndpoint(endpointId: string): Promise<void> {
    await this.started().deadLetters.deleteAll(endpointId);
    this.gates.delete(endpointId);
    this.deps.metrics.circuitOpen.remove({ dependency: `webhook:${endpointId}` });
  }

  private started() {
    if (!this.stores) throw new Error('webhook dispatcher not started');
    return this.stores;
  }

  /** Synchronous up to the pushes, so deliveries are queued in stream order. */
  private onMessage(msg: WorkMessage): void {
    if (this.closed) return; // not acked: the bus hands it to whoever runs next
    const queued = this.enqueue(msg);
    if (queued === 'nothing') {
      msg.ack().catch((error) => this.deps.logger.warn({ err: error }, 'webhooks: ack failed'));
    }
  }

  /** Queues the message's deliveries; 'nothing' when no endpoint gets it (ack it now). */
  private enqueue(msg: WorkMessage): 'queued' | 'already-queued' | 'nothing' {
    // Partial transcripts, speech and media events are most of the stream: skip them unparsed.
    if (!deliverableTypeOfSubject(msg.subject)) return 'nothing';
    const body = decoder.decode(msg.data);
    let event: { id?: unknown; type?: unknown; tenant?: unknown; room?: unknown };
    try {
      event = JSON.parse(body);
    } catch {
      this.deps.logger.warn({ subject: msg.subject, seq: msg.seq }, 'webhooks: event is not JSON, skipped');
      return 'nothing';
    }
    const { id, type, tenant, room } = event ?? {};
    // The envelope's own type decides: a mislabelled action.pending must not slip out either.
    if (typeof id !== 'string' || typeof tenant !== 'string' || !isDeliverableType(type)) return 'nothing';
    if (room !== undefined && typeof room !== 'string') return 'nothing';
    const endpoints = this.deps.registry.endpointsFor({ type, tenant, room });
    if (endpoints.length === 0) return 'nothing';
    if (!this.pending.track(msg, endpoints.length)) return 'already-queued';
    const maybeDelivered = msg.deliveryCount > 1 || msg.time.getTime() < this.startedAt;
    for (const endpoint of endpoints) {
      this.fifo.push(laneKey(endpoint.id, room), {
        endpointId: endpoint.id,
        eventId: id,
        eventType: type,
        room,
        body,
        traceparent: msg.headers[headerNames.traceparent],
        maybeDelivered,
        origin: { kind: 'message', seq: msg.seq },
      });
    }
    return 'queued';
  }

  private async deliver(d: Delivery): Promise<void> {
    let ok = true;
    try {
      await this.attemptAll(d);
    } catch (error) {
      if (this.stopping.signal.aborted) return; // closing: the message is redelivered, the dead letter stays
      ok = false;
      this.deps.logger.error(
        { err: error, endpoint: d.endpointId, eventId: d.eventId },
        'webhook delivery failed internally',
      );
    } finally {
      if (d.origin.kind === 'dead-letter') this.replaying.delete(`${d.endpointId}.${d.origin.record.id}`);
    }
    if (d.origin.kind === 'message') this.pending.settle(d.origin.seq, ok);
  }

  private async attemptAll(d: Delivery): Promise<Outcome> {
    const { markers } = this.started();
    const signal = this.stopping.signal;
    if (d.maybeDelivered && (await markers.has(d.endpointId, d.eventId))) return 'already-delivered';
    const gate = this.gate(d.endpointId);
    for (let attempt = 1; ; attempt++) {
      const result = await gate.run<AttemptResult | 'skipped'>(
        () => {
          // Looked up per attempt: an endpoint disabled or deleted meanwhile receives nothing more.
          const endpoint = this.deps.registry.cached(d.endpointId);
          return endpoint?.enabled ? this.attempt(d, endpoint.url, attempt) : Promise.resolve('skipped' as const);
        },
        (r) => r !== 'skipped' && (r.kind === 'network_error' || (r.kind === 'http_error' && r.breakerFailure)),
        signal,
        () => this.deps.metrics.webhookDeliveries.inc({ outcome: 'circuit_open' }),
      );
      if (result === 'skipped') return 'skipped';
      if (result.kind === 'ok') {
        await this.delivered(d);
        return 'delivered';
      }
      if (result.kind === 'gone') {
        await this.gone(d);
        return 'gone';
      }
      if (attempt >= this.opts.maxAttempts) {
        await this.deadLetter(d, attempt, result);
        return 'dead-lettered';
      }
      this.deps.metrics.retries.inc({ stage: 'webhook' });
      await sleep(backoffDelay(attempt, { baseMs: this.opts.backoffBaseMs, maxMs: this.opts.backoffMaxMs }), signal);
    }
  }

  /** One signed POST, as a `webhook.deliver` span under the event's trace. */
  private attempt(d: Delivery, url: string, attempt: number): Promise<AttemptResult> {
    const { tracer, metrics, registry } = this.deps;
    return inSpan(
      tracer,
      'webhook.deliver',
      d.traceparent,
      async (span) => {
        span.setAttributes({
          'webhook.endpoint': d.endpointId,
          'webhook.event_id': d.eventId,
          'webhook.event_type': d.eventType,
          'webhook.attempt': attempt,
        });
        const secret = registry.secretOf(d.endpointId);
        if (!secret) throw new Error(`webhook ${d.endpointId} has no secret`);
        const headers = {
          ...signatureHeaders({ secret, id: d.eventId, body: d.body }),
          'content-type': 'application/json',
          'user-agent': userAgent,
          traceparent: traceparentOf(span),
        };
        const started = performance.now();
        const result = await postWebhook({
          fetch: this.fetch,
          url,
          body: d.body,
          headers,
          timeoutMs: this.opts.timeoutMs,
          signal: this.aborting.signal,
        });
        metrics.stageLatency.observe({ stage: 'webhook_delivery' }, (performance.now() - started) / 1000);
        metrics.webhookDeliveries.inc({ outcome: result.kind === 'gone' ? 'http_error' : result.kind });
        if ('status' in result) span.setAttribute('http.response.status_code', result.status);
        if (result.kind !== 'ok') {
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'error' in result ? result.error : 'gone' });
        }
        return result;
      },
      { kind: SpanKind.CLIENT },
    );
  }

  private async delivered(d: Delivery): Promise<void> {
    try {
      await this.started().markers.mark(d.endpointId, d.eventId);
    } catch (error) {
      // Only costs a duplicate if this message is redelivered: not worth failing the delivery for.
      this.deps.logger.warn({ err: error, endpoint: d.endpointId, eventId: d.eventId }, 'delivered marker not stored');
    }
    if (d.origin.kind === 'dead-letter') await this.started().deadLetters.delete(d.endpointId, d.origin.record.id);
  }

  /** 410 Gone: the receiver asks for no more deliveries; the endpoint stays, disabled, for a person to look at. */
  private async gone(d: Delivery): Promise<void> {
    await this.deps.registry.setEnabled(d.endpointId, false);
    this.deps.logger.warn(
      { endpoint: d.endpointId, eventId: d.eventId },
      'webhook receiver answered 410 Gone: disabled',
    );
  }

  private async deadLetter(
    d: Delivery,
    attempts: number,
    result: Extract<AttemptResult, { error: string }>,
  ): Promise<void> {
    const previous = d.origin.kind === 'dead-letter' ? d.origin.record : undefined;
    const record: WebhookDeadLetter = {
      id: previous?.id ?? newDeadLetterId(),
      endpoint: d.endpointId,
      eventId: d.eventId,
      eventType: d.eventType,
      ...(d.room !== undefined ? { room: d.room } : {}),
      attempts: (previous?.attempts ?? 0) + attempts,
      lastError: result.error,
      ...(result.kind === 'http_error' ? { lastStatus: result.status } : {}),
      failedAt: new Date().toISOString(),
    };
    await this.started().deadLetters.put({
      record,
      event: d.body,
      ...(d.traceparent ? { traceparent: d.traceparent } : {}),
    });
    this.deps.metrics.deadLetters.inc({ stage: 'webhook' });
    this.deps.logger.warn(
      { endpoint: d.endpointId, eventId: d.eventId, attempts: record.attempts, error: record.lastError },
      'webhook delivery dead-lettered',
    );
  }

  private gate(endpointId: string): EndpointGate {
    let gate = this.gates.get(endpointId);
    if (!gate) {
      gate = new EndpointGate({
        failureThreshold: this.opts.breakerFailureThreshold,
        openMs: this.opts.breakerOpenMs,
        onStateChange: (state) => {
          this.deps.metrics.circuitOpen.set({ dependency: `webhook:${endpointId}` }, state === 'closed' ? 0 : 1);
          this.deps.logger.info({ endpoint: endpointId, state }, 'webhook circuit changed');
        },
      });
      this.gates.set(endpointId, gate);
    }
    return gate;
  }
}
