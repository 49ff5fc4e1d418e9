import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import {
  deadLetterHeaders,
  deadLetterStream,
  defaultDeadLetterSubject,
  isDeadLetterStreamSubject,
} from './dead-letter.ts';
import { NoStreamError } from './errors.ts';
import { duplicateWindowOf } from './inprocess/stream-log.ts';
import { checkName, consumerDefaults, requestDefaults } from './names.ts';
import { NatsKv } from './nats/nats-kv.ts';
import { natsReplay } from './nats/nats-replay.ts';
import { NatsWorker } from './nats/nats-worker.ts';
import {
  apiCode,
  apiCodes,
  fromNatsHeaders,
  isNoResponders,
  isTimeout,
  msToNanos,
  toNatsHeaders,
} from './nats/wire.ts';
import { replyError, replyErrorHeaders } from './reply-error.ts';
import {
  type Bus,
  type BusMessage,
  BusTimeoutError,
  type ConsumerOptions,
  type DeliverFrom,
  type Headers,
  headerNames,
  type KeyValue,
  type PublishOptions,
  type ReplayOptions,
  type ReplaySubscription,
  type StoredMessage,
  type StreamConfig,
  type Subscription,
  type WorkMessage,
} from './types.ts';

export interface NatsBusOptions {
  servers: string | string[];
  name?: string;
  /** Keep trying the first connection this long (services may start before NATS); default 0. */
  connectTimeoutMs?: number;
  /** Errors thrown by subscribe/replay/watch handlers and consumer hiccups (default: console.error). */
  onError?: (error: unknown) => void;
}

const toBusMessage = (m: Msg): BusMessage => ({
  subject: m.subject,
  data: m.data,
  headers: fromNatsHeaders(m.headers),
});

function headersOf(opts: PublishOptions): Headers {
  const headers: Headers = { ...opts.headers };
  if (opts.msgId !== undefined) headers[headerNames.msgId] = opts.msgId;
  return headers;
}

function deliverPolicy(from: DeliverFrom): Partial<ConsumerConfig> {
  switch (from.kind) {
    case 'all':
      return { deliver_policy: DeliverPolicy.All };
    case 'new':
      return { deliver_policy: DeliverPolicy.New };
    case 'seq':
      return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, from.seq) };
    case 'time':
      return { deliver_policy: DeliverPolicy.StartTime, opt_start_time: from.time.toISOString() };
  }
}

/**
 * The bus on NATS JetStream (works with nats-server 2.9: single filter subjects only, no
 * consumer actions or "+TERM <reason>"). Dead-lettering is done client-side, as in the in-process bus.
 */
export class NatsBus implements Bus {
  readonly kind = 'nats' as const;
  private readonly js: JetStreamClient;
  private readonly kvm: Kvm;
  private readonly workers = new Map<string, Set<NatsWorker>>();
  private readonly subs = new Set<{ unsubscribe(): Promise<void> }>();
  private readonly buckets = new Map<string, Promise<KeyValue>>();
  private deadLetterReady: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly onError: (error: unknown) => void,
  ) {
    this.js = jsm.jetstream();
    this.kvm = new Kvm(this.js);
  }

  static async connect(opts: NatsBusOptions): Promise<NatsBus> {
    const deadline = Date.now() + (opts.connectTimeoutMs ?? 0);
    const attempt = () =>
      connect({
        servers: opts.servers,
        ...(opts.name ? { name: opts.name } : {}),
        // A bus outlives server restarts: keep reconnecting, quickly.
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
      });
    let nc: NatsConnection;
    for (;;) {
      try {
        nc = await attempt();
        break;
      } catch (error) {
        if (Date.now() >= deadline) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    try {
      const jsm = await jetstreamManager(nc);
      return new NatsBus(nc, jsm, opts.onError ?? ((error) => console.error('[bus]', error)));
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  // --- core pub/sub ---

  async publish(subject: string, data: Uint8Array, opts: PublishOptions = {}): Promise<void> {
    this.assertOpen();
    const headers = toNatsHeaders(headersOf(opts));
    this.nc.publish(subject, data, headers ? { headers } : undefined);
  }

  async append(
    subject: string,
    data: Uint8Array,
    opts: PublishOptions = {},
  ): Promise<{ seq: number; duplicate: boolean }> {
    this.assertOpen();
    const headers = toNatsHeaders(opts.headers);
    try {
      const ack = await this.js.publish(subject, data, {
        ...(opts.msgId !== undefined ? { msgID: opts.msgId } : {}),
        ...(headers ? { headers } : {}),
      });
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (error) {
      if (isNoResponders(error)) throw new NoStreamError(subject, { cause: error });
      throw error;
    }
  }

  subscribe(
    subject: string,
    handler: (msg: BusMessage) => void | Promise<void>,
    opts: { queue?: string } = {},
  ): Subscription {
    this.assertOpen();
    const sub = this.nc.subscribe(subject, opts.queue ? { queue: opts.queue } : {});
    // One message at a time, in order, awaiting the handler (same as the in-process bus).
    void (async () => {
      for await (const m of sub) {
        try {
          await handler(toBusMessage(m));
        } catch (error) {
          this.onError(error);
        }
      }
    })();
    return this.track({ unsubscribe: async () => sub.unsubscribe() });
  }

  // --- request/reply ---

  async request(
    subject: string,
    data: Uint8Array,
    opts: { timeoutMs?: number; headers?: Headers } = {},
  ): Promise<BusMessage> {
    this.assertOpen();
    const timeoutMs = opts.timeoutMs ?? requestDefaults.timeoutMs;
    const headers = toNatsHeaders(opts.headers);
    let reply: Msg;
    try {
      reply = await this.nc.request(subject, data, { timeout: timeoutMs, ...(headers ? { headers } : {}) });
    } catch (error) {
      if (isNoResponders(error)) throw new BusTimeoutError(`no responders for ${subject}`, { cause: error });
      if (isTimeout(error)) {
        throw new BusTimeoutError(`request to ${subject} timed out after ${timeoutMs} ms`, { cause: error });
      }
      throw error;
    }
    const msg = toBusMessage(reply);
    const failed = replyError(subject, msg.headers);
    if (failed) throw failed;
    return msg;
  }

  respond(
    subject: string,
    handler: (msg: BusMessage) => Uint8Array | Promise<Uint8Array>,
    opts: { queue?: string } = {},
  ): Subscription {
    this.assertOpen();
    const sub = this.nc.subscribe(subject, {
      ...(opts.queue ? { queue: opts.queue } : {}),
      callback: (error, m) => {
        if (error || !m.reply) return;
        // Concurrent: one slow answer does not hold up the next request.
        void (async () => {
          try {
            m.respond(await handler(toBusMessage(m)));
          } catch (failure) {
            m.respond(new Uint8Array(), { headers: toNatsHeaders(replyErrorHeaders(failure)) });
          }
        })().catch(this.onError);
      },
    });
    return this.track({ unsubscribe: async () => sub.unsubscribe() });
  }

  // --- streams ---

  async ensureStream(config: StreamConfig): Promise<void> {
    this.assertOpen();
    checkName('stream', config.name);
    const wanted = {
      subjects: [...config.subjects],
      max_age: msToNanos(config.maxAgeMs ?? 0),
      duplicate_window: msToNanos(duplicateWindowOf(config)),
      ...(config.immutable ? { deny_delete: true, deny_purge: true } : {}),
    };
    try {
      const info = await this.jsm.streams.info(config.name);
      const c = info.config;
      const same =
        JSON.stringify([...c.subjects].sort()) === JSON.stringify([...wanted.subjects].sort()) &&
        c.max_age === wanted.max_age &&
        c.duplicate_window === wanted.duplicate_window &&
        Boolean(c.deny_delete) === Boolean(config.immutable);
      if (!same) await this.jsm.streams.update(config.name, wanted);
    } catch (error) {
      if (apiCode(error) !== apiCodes.streamNotFound) throw error;
      try {
        await this.jsm.streams.add({
          name: config.name,
          ...wanted,
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          discard: DiscardPolicy.Old,
          num_replicas: 1,
        });
      } catch (addError) {
        // Another process created it between our info and add: fine.
        if (apiCode(addError) !== apiCodes.streamNameInUse) throw addError;
      }
    }
  }

  async lastMessage(stream: string, subject: string): Promise<StoredMessage | null> {
    this.assertOpen();
    try {
      const m = await this.jsm.streams.getMessage(stream, { last_by_subj: subject });
      if (!m) return null;
      return { subject: m.subject, data: m.data, headers: fromNatsHeaders(m.header), seq: m.seq, time: m.time };
    } catch (error) {
      if (apiCode(error) === apiCodes.noMessageFound) return null;
      throw error;
    }
  }

  async replay(
    stream: string,
    opts: ReplayOptions,
    handler: (msg: StoredMessage) => void | Promise<void>,
  ): Promise<ReplaySubscription> {
    this.assertOpen();
    const sub = await natsReplay(this.jsm, this.js, stream, opts, handler, this.onError);
    this.subs.add(sub);
    void sub.done.then(() => this.subs.delete(sub));
    return sub;
  }

  // --- durable consumers ---

  async consume(opts: ConsumerOptions, handler: (msg: WorkMessage) => void | Promise<void>): Promise<Subscription> {
    this.assertOpen();
    checkName('durable', opts.durable);
    const ackWaitMs = opts.ackWaitMs ?? consumerDefaults.ackWaitMs;
    const maxDeliver = opts.maxDeliver ?? consumerDefaults.maxDeliver;
    const maxAckPending = opts.maxAckPending ?? consumerDefaults.maxAckPending;
    await this.ensureConsumer(opts, {
      ack_wait: msToNanos(ackWaitMs),
      max_deliver: maxDeliver,
      max_ack_pending: maxAckPending,
    });
    const consumer = await this.js.consumers.get(opts.stream, opts.durable);
    const worker = new NatsWorker(
      consumer,
      {
        ackWaitMs,
        maxDeliver,
        deadLetterSubject: opts.deadLetterSubject ?? defaultDeadLetterSubject(opts.stream, opts.durable),
        concurrency: Math.max(1, opts.concurrency ?? maxAckPending),
      },
      handler,
      { deadLetter: (msg, reason, n, subject) => this.deadLetter(msg, reason, n, subject), onError: this.onError },
    );
    const key = `${opts.stream}/${opts.durable}`;
    const set = this.workers.get(key) ?? new Set();
    set.add(worker);
    this.workers.set(key, set);
    return {
      unsubscribe: async () => {
        set.delete(worker);
        await worker.stop();
      },
    };
  }

  /** Creates the durable, or updates its limits; filter and start position stay as first created. */
  private async ensureConsumer(
    opts: ConsumerOptions,
    limits: { ack_wait: number; max_deliver: number; max_ack_pending: number },
  ): Promise<void> {
    const { stream, durable } = opts;
    try {
      const info = await this.jsm.consumers.info(stream, durable);
      const c = info.config;
      if (
        c.ack_wait !== limits.ack_wait ||
        c.max_deliver !== limits.max_deliver ||
        c.max_ack_pending !== limits.max_ack_pending
      ) {
        await this.jsm.consumers.update(stream, durable, limits);
      }
      return;
    } catch (error) {
      if (apiCode(error) !== apiCodes.consumerNotFound) throw error;
    }
    await this.jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      ...limits,
      ...(opts.filterSubject ? { filter_subject: opts.filterSubject } : {}),
      ...deliverPolicy(opts.deliverFrom ?? { kind: 'all' }),
    });
  }

  async deleteConsumer(stream: string, durable: string): Promise<void> {
    this.assertOpen();
    const key = `${stream}/${durable}`;
    await Promise.all([...(this.workers.get(key) ?? [])].map((w) => w.stop()));
    this.workers.delete(key);
    try {
      await this.jsm.consumers.delete(stream, durable);
    } catch (error) {
      const code = apiCode(error);
      if (code !== apiCodes.consumerNotFound && code !== apiCodes.streamNotFound) throw error;
    }
  }

  private async deadLetter(msg: StoredMessage, reason: string, deliveries: number, subject: string): Promise<void> {
    if (isDeadLetterStreamSubject(subject)) {
      this.deadLetterReady ??= this.ensureStream(deadLetterStream).catch((error: unknown) => {
        this.deadLetterReady = undefined;
        throw error;
      });
      await this.deadLetterReady;
    }
    const headers = deadLetterHeaders(msg.headers, msg.subject, reason, deliveries);
    try {
      await this.append(subject, msg.data, { headers });
    } catch (error) {
      // No stream captures a custom dead-letter subject: a live publish is all we can do.
      if (!(error instanceof NoStreamError)) throw error;
      await this.publish(subject, msg.data, { headers });
    }
  }

  // --- key-value ---

  async kv(bucket: string, opts: { history?: number; ttlMs?: number } = {}): Promise<KeyValue> {
    this.assertOpen();
    let kv = this.buckets.get(bucket);
    if (!kv) {
      // Creates the bucket, or opens it as it is when it exists (first options win, as in-process).
      kv = this.kvm
        .create(bucket, {
          ...(opts.history ? { history: opts.history } : {}),
          ...(opts.ttlMs ? { ttl: opts.ttlMs } : {}),
        })
        .then((b) => new NatsKv(b, bucket, this.onError, this.js, this.jsm));
      this.buckets.set(bucket, kv);
      kv.catch(() => this.buckets.delete(bucket));
    }
    return kv;
  }

  // --- lifecycle ---

  async flush(): Promise<void> {
    this.assertOpen();
    await this.nc.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const workers = [...this.workers.values()].flatMap((set) => [...set]);
    await Promise.all(workers.map((w) => w.stop()));
    await Promise.all([...this.subs].map((s) => s.unsubscribe().catch(() => {})));
    // Drain flushes what was published; it cannot finish while disconnected, so it gets 2 s.
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), 2_000);
    });
    const drained = await Promise.race([this.nc.drain().catch(() => 'failed' as const), gaveUp]);
    clearTimeout(timer);
    if (drained !== undefined && !this.nc.isClosed()) await this.nc.close();
  }

  private track(sub: Subscription): Subscription {
    const tracked = {
      unsubscribe: async () => {
        this.subs.delete(tracked);
        await sub.unsubscribe();
      },
    };
    this.subs.add(tracked);
    return tracked;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('bus is closed');
  }
}
