import { randomUUID } from 'node:crypto';
import {
  deadLetterHeaders,
  deadLetterStream,
  defaultDeadLetterSubject,
  isDeadLetterStreamSubject,
} from './dead-letter.ts';
import { NoStreamError } from './errors.ts';
import { DataDir, type RestoredConsumer, type StreamFile } from './inprocess/data-dir.ts';
import { DurableConsumer } from './inprocess/durable-consumer.ts';
import { MemoryKv, validBucket } from './inprocess/memory-kv.ts';
import { startReplay } from './inprocess/replay.ts';
import { SerialRunner } from './inprocess/serial-runner.ts';
import { type LogRecord, StreamLog, startSeqOf, toStoredMessage } from './inprocess/stream-log.ts';
import { checkName, consumerDefaults, requestDefaults } from './names.ts';
import { replyError, replyErrorHeaders } from './reply-error.ts';
import { isValidPattern, isValidSubject, subjectMatcher, subjectsOverlap } from './subject-match.ts';
import {
  type Bus,
  type BusMessage,
  BusTimeoutError,
  type ConsumerOptions,
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

export interface InProcessBusOptions {
  /** When set, streams (with durable consumer progress) and KV buckets persist here. */
  dataDir?: string;
  /** Streams kept in memory even with a dataDir (e.g. raw audio: useless after a restart, costly to write). */
  memoryOnlyStreams?: string[];
  /** Errors thrown by subscribe/replay/watch handlers (default: console.error). */
  onError?: (error: unknown) => void;
}

/** A message in flight inside the bus; `reply` is set for requests. */
interface Envelope {
  subject: string;
  data: Uint8Array;
  headers: Headers;
  reply?: string;
}

interface Listener {
  readonly matches: (subject: string) => boolean;
  /** Queue group key (subject pattern + group name), as NATS groups per subscription subject. */
  readonly group?: string;
  deliver(msg: Envelope): void;
  stop(): void;
}

interface StreamEntry {
  log: StreamLog;
  file?: StreamFile;
  consumers: Map<string, DurableConsumer>;
}

const toBusMessage = (m: Envelope): BusMessage => ({ subject: m.subject, data: m.data, headers: { ...m.headers } });

/**
 * The embedded bus: everything in this process, same semantics as the NATS bus (the shared
 * contract suite runs against both), optionally persisted to a data directory.
 */
export class InProcessBus implements Bus {
  readonly kind = 'inprocess' as const;
  private readonly listeners = new Set<Listener>();
  private readonly groupTurns = new Map<string, number>();
  private readonly streams = new Map<string, StreamEntry>();
  private readonly buckets = new Map<string, { kv: MemoryKv; close(): void }>();
  private readonly replays = new Set<() => void>();
  private readonly requests = new Set<(error: Error) => void>();
  private readonly dataDir?: DataDir;
  private readonly memoryOnly: Set<string>;
  private readonly onError: (error: unknown) => void;
  private deadLetterReady = false;
  private closed = false;

  constructor(opts: InProcessBusOptions = {}) {
    this.onError = opts.onError ?? ((error) => console.error('[bus]', error));
    this.memoryOnly = new Set(opts.memoryOnlyStreams);
    if (opts.dataDir) {
      this.dataDir = new DataDir(opts.dataDir);
      for (const name of this.dataDir.streamNames()) if (!this.memoryOnly.has(name)) this.restoreStream(name);
    }
  }

  // --- core pub/sub ---

  async publish(subject: string, data: Uint8Array, opts: PublishOptions = {}): Promise<void> {
    this.assertOpen();
    checkSubject(subject);
    const msg: Envelope = { subject, data: new Uint8Array(data), headers: headersOf(opts) };
    // Like JetStream, a stream captures plain publishes too (without confirming them).
    const entry = this.streamFor(subject);
    // The log keeps its own copy: live subscribers share `msg.data` and might mutate it.
    if (entry) entry.log.append(subject, msg.data.slice(), msg.headers, opts.msgId);
    this.route(msg);
  }

  async append(
    subject: string,
    data: Uint8Array,
    opts: PublishOptions = {},
  ): Promise<{ seq: number; duplicate: boolean }> {
    this.assertOpen();
    checkSubject(subject);
    const entry = this.streamFor(subject);
    if (!entry) throw new NoStreamError(subject);
    const msg: Envelope = { subject, data: new Uint8Array(data), headers: headersOf(opts) };
    const { seq, duplicate } = entry.log.append(subject, msg.data.slice(), msg.headers, opts.msgId);
    // Core subscribers see every publish, duplicates included, as they do on NATS.
    this.route(msg);
    return { seq, duplicate };
  }

  subscribe(
    subject: string,
    handler: (msg: BusMessage) => void | Promise<void>,
    opts: { queue?: string } = {},
  ): Subscription {
    this.assertOpen();
    checkPattern(subject);
    const runner = new SerialRunner<BusMessage>(handler, this.onError);
    return this.listen({
      matches: subjectMatcher(subject),
      ...(opts.queue ? { group: `${subject} ${opts.queue}` } : {}),
      deliver: (m) => runner.push(toBusMessage(m)),
      stop: () => runner.stop(),
    });
  }

  /** Hands the message to every plain listener and one member per queue group; returns how many. */
  private route(msg: Envelope): number {
    let delivered = 0;
    let groups: Map<string, Listener[]> | undefined;
    for (const listener of this.listeners) {
      if (!listener.matches(msg.subject)) continue;
      if (listener.group === undefined) {
        listener.deliver(msg);
        delivered++;
      } else {
        groups ??= new Map();
        const members = groups.get(listener.group);
        if (members) members.push(listener);
        else groups.set(listener.group, [listener]);
      }
    }
    for (const [group, members] of groups ?? []) {
      const turn = this.groupTurns.get(group) ?? 0;
      this.groupTurns.set(group, turn + 1);
      members[turn % members.length]?.deliver(msg);
      delivered++;
    }
    return delivered;
  }

  private listen(listener: Listener): Subscription {
    this.listeners.add(listener);
    return {
      unsubscribe: async () => {
        if (this.listeners.delete(listener)) listener.stop();
        if (listener.group && ![...this.listeners].some((l) => l.group === listener.group)) {
          this.groupTurns.delete(listener.group);
        }
      },
    };
  }

  // --- request/reply ---

  async request(
    subject: string,
    data: Uint8Array,
    opts: { timeoutMs?: number; headers?: Headers } = {},
  ): Promise<BusMessage> {
    this.assertOpen();
    checkSubject(subject);
    const timeoutMs = opts.timeoutMs ?? requestDefaults.timeoutMs;
    const inbox = `_INBOX.${randomUUID()}`;
    return new Promise<BusMessage>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (error: Error | null, reply?: BusMessage) => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        this.requests.delete(fail);
        if (error) reject(error);
        else if (reply) resolve(reply);
      };
      const fail = (error: Error) => settle(error);
      const listener: Listener = {
        matches: (s) => s === inbox,
        deliver: (m) => settle(replyError(subject, m.headers), toBusMessage(m)),
        stop: () => {},
      };
      this.listeners.add(listener);
      this.requests.add(fail);
      const sent = this.route({ subject, data: new Uint8Array(data), headers: { ...opts.headers }, reply: inbox });
      if (sent === 0) {
        settle(new BusTimeoutError(`no responders for ${subject}`));
        return;
      }
      timer = setTimeout(
        () => settle(new BusTimeoutError(`request to ${subject} timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
  }

  respond(
    subject: string,
    handler: (msg: BusMessage) => Uint8Array | Promise<Uint8Array>,
    opts: { queue?: string } = {},
  ): Subscription {
    this.assertOpen();
    checkPattern(subject);
    let active = true;
    return this.listen({
      matches: subjectMatcher(subject),
      ...(opts.queue ? { group: `${subject} ${opts.queue}` } : {}),
      deliver: (m) => {
        const reply = m.reply;
        if (reply === undefined) return; // a plain publish: nobody to answer
        // Requests are answered concurrently; one slow answer does not hold up the next.
        setImmediate(async () => {
          let answer: Envelope;
          try {
            answer = { subject: reply, data: new Uint8Array(await handler(toBusMessage(m))), headers: {} };
          } catch (error) {
            answer = { subject: reply, data: new Uint8Array(), headers: replyErrorHeaders(error) };
          }
          if (active && !this.closed) this.route(answer);
        });
      },
      stop: () => {
        active = false;
      },
    });
  }

  // --- streams ---

  async ensureStream(config: StreamConfig): Promise<void> {
    this.assertOpen();
    checkName('stream', config.name);
    for (const s of config.subjects) checkPattern(s);
    for (const [name, other] of this.streams) {
      if (name === config.name) continue;
      const clash = config.subjects.find((a) => other.log.config.subjects.some((b) => subjectsOverlap(a, b)));
      if (clash) throw new Error(`stream ${config.name}: subjects overlap with stream ${name} (${clash})`);
    }
    const existing = this.streams.get(config.name);
    if (existing) {
      if (JSON.stringify(existing.log.config) !== JSON.stringify(config)) {
        existing.log.setConfig(config);
        existing.file?.config(config, existing.log.lastSeq);
      }
      return;
    }
    const opened = this.memoryOnly.has(config.name) ? undefined : this.dataDir?.openStream(config.name);
    const file = opened?.file;
    const log = new StreamLog(config, undefined, file ? (r) => file.message(r) : undefined);
    file?.config(config, 0);
    this.streams.set(config.name, { log, ...(file ? { file } : {}), consumers: new Map() });
  }

  private restoreStream(name: string): void {
    const opened = this.dataDir?.openStream(name);
    if (!opened?.restored) {
      opened?.file.close();
      return;
    }
    const { file, restored } = opened;
    const log = new StreamLog(restored.config, restored, (r) => file.message(r));
    const entry: StreamEntry = { log, file, consumers: new Map() };
    this.streams.set(name, entry);
    for (const [durable, c] of restored.consumers) this.createConsumer(entry, durable, c);
  }

  private streamFor(subject: string): StreamEntry | undefined {
    for (const entry of this.streams.values()) if (entry.log.captures(subject)) return entry;
    return undefined;
  }

  private stream(name: string): StreamEntry {
    const entry = this.streams.get(name);
    if (!entry) throw new Error(`stream not found: ${name}`);
    return entry;
  }

  async lastMessage(stream: string, subject: string): Promise<StoredMessage | null> {
    this.assertOpen();
    const record = this.stream(stream).log.last(subjectMatcher(subject));
    return record ? toStoredMessage(record) : null;
  }

  async replay(
    stream: string,
    opts: ReplayOptions,
    handler: (msg: StoredMessage) => void | Promise<void>,
  ): Promise<ReplaySubscription> {
    this.assertOpen();
    if (opts.filterSubject) checkPattern(opts.filterSubject);
    const reader = startReplay(this.stream(stream).log, opts, handler, this.onError);
    this.replays.add(reader.stop);
    void reader.done.then(() => this.replays.delete(reader.stop));
    return {
      done: reader.done,
      unsubscribe: async () => {
        reader.stop();
        await reader.done;
      },
    };
  }

  // --- durable consumers ---

  async consume(opts: ConsumerOptions, handler: (msg: WorkMessage) => void | Promise<void>): Promise<Subscription> {
    this.assertOpen();
    checkName('durable', opts.durable);
    if (opts.filterSubject) checkPattern(opts.filterSubject);
    const entry = this.stream(opts.stream);
    let consumer = entry.consumers.get(opts.durable);
    if (!consumer) {
      const start = startSeqOf(entry.log, opts.deliverFrom ?? { kind: 'all' });
      consumer = this.createConsumer(entry, opts.durable, { start, finished: [], ...pick(opts.filterSubject) });
      entry.file?.consumer(opts.durable, opts.filterSubject, start);
    }
    consumer.settings = {
      ackWaitMs: opts.ackWaitMs ?? consumerDefaults.ackWaitMs,
      maxDeliver: opts.maxDeliver ?? consumerDefaults.maxDeliver,
      maxAckPending: opts.maxAckPending ?? consumerDefaults.maxAckPending,
      deadLetterSubject: opts.deadLetterSubject ?? defaultDeadLetterSubject(opts.stream, opts.durable),
    };
    const concurrency = opts.concurrency ?? consumer.settings.maxAckPending;
    const remove = consumer.addWorker(handler, Math.max(1, concurrency));
    return { unsubscribe: async () => remove() };
  }

  private createConsumer(entry: StreamEntry, durable: string, state: RestoredConsumer): DurableConsumer {
    const stream = entry.log.config.name;
    const consumer = new DurableConsumer(
      entry.log,
      durable,
      state.filter,
      state.start,
      state.finished,
      { ...consumerDefaults, deadLetterSubject: defaultDeadLetterSubject(stream, durable) },
      {
        deadLetter: (record, reason, deliveries, subject) => this.deadLetter(record, reason, deliveries, subject),
        onDone: (seq) => entry.file?.ack(durable, seq),
        onError: this.onError,
      },
    );
    entry.consumers.set(durable, consumer);
    return consumer;
  }

  async deleteConsumer(stream: string, durable: string): Promise<void> {
    this.assertOpen();
    const entry = this.streams.get(stream);
    const consumer = entry?.consumers.get(durable);
    if (!entry || !consumer) return;
    consumer.dispose();
    entry.consumers.delete(durable);
    entry.file?.deleteConsumer(durable);
  }

  private async deadLetter(record: LogRecord, reason: string, deliveries: number, subject: string): Promise<void> {
    if (this.closed) return;
    if (!this.deadLetterReady && isDeadLetterStreamSubject(subject)) {
      await this.ensureStream(deadLetterStream);
      this.deadLetterReady = true;
    }
    const headers = deadLetterHeaders(record.headers, record.subject, reason, deliveries);
    if (this.streamFor(subject)) await this.append(subject, record.data, { headers });
    else await this.publish(subject, record.data, { headers });
  }

  // --- key-value ---

  async kv(bucket: string, opts: { history?: number; ttlMs?: number } = {}): Promise<KeyValue> {
    this.assertOpen();
    if (!validBucket.test(bucket)) throw new Error(`invalid bucket name: ${bucket}`);
    const open = this.buckets.get(bucket);
    if (open) return open.kv;
    const opened = this.dataDir?.openBucket(bucket);
    const kv = new MemoryKv(bucket, {
      ...(opts.ttlMs ? { ttlMs: opts.ttlMs } : {}),
      ...(opened ? { restored: opened.restored, persist: (change) => opened.file.change(change) } : {}),
      assertOpen: () => this.assertOpen(),
      onError: this.onError,
    });
    this.buckets.set(bucket, {
      kv,
      close: () => {
        kv.close();
        opened?.file.close();
      },
    });
    return kv;
  }

  // --- lifecycle ---

  async flush(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.listeners) listener.stop();
    this.listeners.clear();
    for (const fail of [...this.requests]) fail(new Error('bus closed'));
    for (const stop of this.replays) stop();
    for (const entry of this.streams.values()) {
      for (const consumer of entry.consumers.values()) consumer.dispose();
      entry.file?.close();
    }
    for (const bucket of this.buckets.values()) bucket.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('bus is closed');
  }
}

function checkSubject(subject: string): void {
  if (!isValidSubject(subject)) throw new Error(`invalid subject: "${subject}"`);
}

function checkPattern(pattern: string): void {
  if (!isValidPattern(pattern)) throw new Error(`invalid subject pattern: "${pattern}"`);
}

function headersOf(opts: PublishOptions): Headers {
  const headers: Headers = { ...opts.headers };
  if (opts.msgId !== undefined) headers[headerNames.msgId] = opts.msgId;
  return headers;
}

const pick = (filter: string | undefined): { filter?: string } => (filter ? { filter } : {});
