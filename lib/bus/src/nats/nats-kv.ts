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

  async keys(prefix = ''): Promise<string[]> {
    // A prefix ending at a token boundary can be filtered by the server; any other is filtered here.
    const filter = prefix.endsWith('.') ? `${prefix}>` : '>';
    const keys: string[] = [];
    for await (const key of await this.kv.keys(filter)) if (key.startsWith(prefix)) keys.push(key);
    return keys;
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
