import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { type KV, KvWatchInclude } from '@nats-io/kv';
import { type KeyValue, KvConflictError, type KvEntry, type Subscription } from '../types.ts';
import { apiCode, apiCodes } from './wire.ts';

function isConflict(error: unknown): boolean {
  const code = apiCode(error);
  return (
    code === apiCodes.wrongLastSequence ||
    code === apiCodes.wrongLastSequenceUnknown ||
    (error instanceof Error && /wrong last sequence/i.test(error.message))
  );
}

async function orConflict<T>(op: Promise<T>, what: string): Promise<T> {
  try {
    return await op;
  } catch (error) {
    if (isConflict(error)) throw new KvConflictError(what, { cause: error });
    throw error;
  }
}

/** The bus KeyValue over a JetStream KV bucket; delete markers read as missing keys. */
export class NatsKv implements KeyValue {
  constructor(
    private readonly kv: KV,
    private readonly bucket: string,
    private readonly onError: (error: unknown) => void,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  async get(key: string): Promise<KvEntry | null> {
    const e = await this.kv.get(key);
    return e && e.operation === 'PUT' ? { key: e.key, value: e.value, revision: e.revision } : null;
  }

  put(key: string, value: Uint8Array): Promise<number> {
    return this.kv.put(key, value);
  }

  create(key: string, value: Uint8Array): Promise<number> {
    return orConflict(this.kv.create(key, value), `key exists: ${this.bucket}/${key}`);
  }

  update(key: string, value: Uint8Array, revision: number): Promise<number> {
    return orConflict(this.kv.update(key, value, revision), `wrong revision for ${this.bucket}/${key}: ${revision}`);
  }

  delete(key: string): Promise<void> {
    return this.kv.delete(key);
  }

  /**
   * The keys present now. nats.js `kv.keys()` only ends when the server reports nothing pending, which
   * never happens while keys under the filter keep being written (seen stalling for minutes). Here the
   * stream's subject list gives the keys that exist at one instant (deleted ones included), and the
   * last message of each, read headers-only, tells which are deleted; rewritten keys show up again.
   */
  async keys(prefix = ''): Promise<string[]> {
    // A prefix ending at a token boundary can be filtered by the server; any other is filtered here.
    const filter = prefix.endsWith('.') ? `${prefix}>` : '>';
    const stream = `KV_${this.bucket}`;
    const subjectPrefix = `$KV.${this.bucket}.`;
    const info = await this.jsm.streams.info(stream, { subjects_filter: `${subjectPrefix}${filter}` });
    const present = Object.keys(info.state.subjects ?? {}).map((s) => s.slice(subjectPrefix.length));
    if (present.length === 0) return [];
    const consumer = await this.js.consumers.get(stream, {
      filter_subjects: `${subjectPrefix}${filter}`,
      deliver_policy: DeliverPolicy.LastPerSubject,
      headers_only: true,
    });
    const ops = new Map<string, string>();
    try {
      const messages = await consumer.consume({ max_messages: 512 });
      // A key whose subject vanished meanwhile (TTL) is never delivered: do not wait for it forever.
      const deadline = setTimeout(() => messages.stop(), 5_000);
      for await (const m of messages) {
        ops.set(m.subject.slice(subjectPrefix.length), m.headers?.get('KV-Operation') || 'PUT');
        if (m.info.pending === 0 || present.every((k) => ops.has(k))) break;
      }
      clearTimeout(deadline);
      messages.stop();
    } finally {
      await consumer.delete().catch(() => false);
    }
    return present.filter((k) => k.startsWith(prefix) && (ops.get(k) ?? 'PUT') === 'PUT');
  }

  async watch(key: string, handler: (entry: KvEntry | null, key: string) => void): Promise<Subscription> {
    const iter = await this.kv.watch({ key, include: KvWatchInclude.UpdatesOnly });
    void (async () => {
      for await (const e of iter) {
        try {
          handler(e.operation === 'PUT' ? { key: e.key, value: e.value, revision: e.revision } : null, e.key);
        } catch (error) {
          this.onError(error);
        }
      }
    })().catch(this.onError);
    return { unsubscribe: async () => iter.stop() };
  }
}
