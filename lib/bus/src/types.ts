/**
 * The bus: one interface, two implementations (in-process for the embedded default,
 * NATS JetStream for distributed deployments). Every behaviour here is covered by
 * the shared contract suite in contract.test.ts, which runs against both.
 */

export type Headers = Record<string, string>;

/** Well-known header names. */
export const headerNames = {
  /** De-duplication id (JetStream Nats-Msg-Id); set from the event id. */
  msgId: 'Nats-Msg-Id',
  correlationId: 'Mi-Correlation-Id',
  traceparent: 'traceparent',
  /** Set on dead-lettered messages. */
  deadLetterReason: 'Mi-Dead-Letter-Reason',
  deadLetterSubject: 'Mi-Original-Subject',
  deadLetterDeliveries: 'Mi-Deliveries',
} as const;

export interface BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Headers;
}

/** A message read from a stream (durable log), with its position. */
export interface StoredMessage extends BusMessage {
  /** Position in the stream, from 1, strictly increasing. */
  readonly seq: number;
  readonly time: Date;
}

/** A message handed to one worker of a durable consumer. */
export interface WorkMessage extends StoredMessage {
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  /** Done: never deliver again. */
  ack(): Promise<void>;
  /** Failed: deliver again after `delayMs` (to any worker). */
  nak(delayMs?: number): void;
  /** Give up: no redelivery; the message goes to the dead-letter subject. */
  term(reason?: string): Promise<void>;
  /** Still working: push the ack deadline out by another ackWait. */
  working(): void;
}

export interface Subscription {
  unsubscribe(): Promise<void>;
}

export interface ReplaySubscription extends Subscription {
  /**
   * Resolves once a replay with `live: false` has handed every stored message to the handler
   * (awaiting each); a live replay resolves it on unsubscribe.
   */
  readonly done: Promise<void>;
}

export interface StreamConfig {
  name: string;
  subjects: string[];
  /** Messages older than this are dropped. */
  maxAgeMs?: number;
  /** Window in which a repeated msgId is dropped (default 2 minutes). */
  duplicateWindowMs?: number;
  /** Deny deleting messages and purging the stream (audit logs). Cannot be undone on NATS. */
  immutable?: boolean;
}

export type DeliverFrom =
  | { kind: 'all' }
  | { kind: 'new' }
  | { kind: 'seq'; seq: number }
  | { kind: 'time'; time: Date };

export interface ConsumerOptions {
  stream: string;
  /** Durable name: workers using the same name share (compete for) its messages; state survives restarts. */
  durable: string;
  /** Only messages on this subject (wildcards allowed). */
  filterSubject?: string;
  /** Redeliver when not acked within this time (default 30 s). */
  ackWaitMs?: number;
  /**
   * Deliveries before the message is dead-lettered (default 5). The handler of the last allowed
   * delivery that throws or naks sends it to `deadLetterSubject` and terms it.
   */
  maxDeliver?: number;
  /** Default `v1.deadletter.<stream>.<durable>`. */
  deadLetterSubject?: string;
  /** Unacked messages in flight per consumer (default 1000). */
  maxAckPending?: number;
  /** Where a new durable starts (default all). Ignored when the durable already exists. */
  deliverFrom?: DeliverFrom;
  /**
   * Messages this one subscription holds at once (handed to the handler and not yet acked, naked,
   * termed or expired); a worker at its limit takes no more, so other workers get them.
   * Default: maxAckPending.
   */
  concurrency?: number;
}

export interface ReplayOptions {
  /** One subject filter (wildcards allowed). */
  filterSubject?: string;
  from: DeliverFrom;
  /** Keep delivering new messages after the stored ones (default true). */
  live?: boolean;
}

export interface PublishOptions {
  headers?: Headers;
  /** De-duplication id: a second append with the same id inside the window is dropped. */
  msgId?: string;
}

export interface KvEntry {
  key: string;
  value: Uint8Array;
  revision: number;
}

export interface KeyValue {
  get(key: string): Promise<KvEntry | null>;
  /** Returns the new revision. */
  put(key: string, value: Uint8Array): Promise<number>;
  /** Fails (throws KvConflictError) when the key exists. */
  create(key: string, value: Uint8Array): Promise<number>;
  /** Compare-and-set: fails (throws KvConflictError) unless the key is at `revision`. */
  update(key: string, value: Uint8Array, revision: number): Promise<number>;
  delete(key: string): Promise<void>;
  /** Keys, optionally only those starting with `prefix`. */
  keys(prefix?: string): Promise<string[]>;
  /** Calls handler for every later change of matching keys (`>` matches all); value null means deleted. */
  watch(key: string, handler: (entry: KvEntry | null, key: string) => void): Promise<Subscription>;
}

export class KvConflictError extends Error {
  readonly code = 'ERR_KV_CONFLICT';
}

export class BusTimeoutError extends Error {
  readonly code = 'ERR_BUS_TIMEOUT';
}

export interface Bus {
  /** Which implementation, for logs and /readyz. */
  readonly kind: 'inprocess' | 'nats';
  /**
   * Fire-and-forget fan-out. Live subscribers get it; a stream whose subjects match stores it,
   * but nothing is awaited.
   */
  publish(subject: string, data: Uint8Array, opts?: PublishOptions): Promise<void>;
  /**
   * Durable publish: resolves once a stream has stored the message (throws if none captures the
   * subject). A repeated msgId inside the stream's duplicate window is dropped (resolves `duplicate: true`).
   */
  append(subject: string, data: Uint8Array, opts?: PublishOptions): Promise<{ seq: number; duplicate: boolean }>;
  /** Live fan-out subscription (wildcards `*` and `>`). With `queue`, members of the group share messages. */
  subscribe(
    subject: string,
    handler: (msg: BusMessage) => void | Promise<void>,
    opts?: { queue?: string },
  ): Subscription;
  /** Creates or updates a stream; idempotent. */
  ensureStream(config: StreamConfig): Promise<void>;
  /** Durable work queue consumer; the handler acks, naks or terms each message (thrown error = nak). */
  consume(opts: ConsumerOptions, handler: (msg: WorkMessage) => void | Promise<void>): Promise<Subscription>;
  deleteConsumer(stream: string, durable: string): Promise<void>;
  /** Ordered read of a stream from a position, then (optionally) live; for resume by event id/seq. */
  replay(
    stream: string,
    opts: ReplayOptions,
    handler: (msg: StoredMessage) => void | Promise<void>,
  ): Promise<ReplaySubscription>;
  /** Last stored message on a subject (or null). */
  lastMessage(stream: string, subject: string): Promise<StoredMessage | null>;
  /** Request/reply with timeout (throws BusTimeoutError). */
  request(subject: string, data: Uint8Array, opts?: { timeoutMs?: number; headers?: Headers }): Promise<BusMessage>;
  /** Answers requests; with `queue`, one member of the group answers each. */
  respond(
    subject: string,
    handler: (msg: BusMessage) => Uint8Array | Promise<Uint8Array>,
    opts?: { queue?: string },
  ): Subscription;
  /** A key-value bucket, created when missing. */
  kv(bucket: string, opts?: { history?: number; ttlMs?: number }): Promise<KeyValue>;
  /**
   * Resolves once the server has processed everything this bus sent so far, subscriptions
   * included: after `subscribe()` + `flush()`, publishes from other connections reach the handler.
   */
  flush?(): Promise<void>;
  /** Flushes and closes; further calls fail. */
  close(): Promise<void>;
}
