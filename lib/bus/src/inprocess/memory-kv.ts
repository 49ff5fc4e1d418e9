import { subjectMatcher } from '../subject-match.ts';
import { type KeyValue, KvConflictError, type KvEntry, type Subscription } from '../types.ts';

/** The same key rules as the NATS KV client, so code that works embedded also works on NATS. */
const validKey = /^[-/=.\w]+$/;
const validWatchKey = /^[-/=.>*\w]+$/;
export const validBucket = /^[-\w]+$/;

function checkKey(key: string, pattern = validKey): void {
  if (key.startsWith('.') || key.endsWith('.') || key.includes('..') || !pattern.test(key)) {
    throw new Error(`invalid key: ${key}`);
  }
}

/** The latest operation on a key: a value, or a delete marker (value null), as in JetStream KV. */
export interface KvSlot {
  value: Uint8Array | null;
  revision: number;
  time: number;
}

export interface KvChange {
  key: string;
  slot: KvSlot;
}

/**
 * An in-memory KV bucket. Revisions count every write in the bucket (like the stream sequence
 * under a JetStream bucket); a delete writes a marker with its own revision. A TTL makes values
 * vanish (without a watch event), as max_age does on the NATS bucket stream.
 */
export interface MemoryKvOptions {
  ttlMs?: number;
  restored?: { revision: number; changes: KvChange[] };
  persist?: (change: KvChange) => void;
  /** Throws when the bus is closed. */
  assertOpen: () => void;
  onError: (error: unknown) => void;
}

export class MemoryKv implements KeyValue {
  private readonly slots = new Map<string, KvSlot>();
  private readonly watchers = new Set<(key: string, slot: KvSlot) => void>();
  private readonly ttlMs: number | undefined;
  private readonly assertOpen: () => void;
  revision = 0;

  constructor(
    readonly bucket: string,
    private readonly opts: MemoryKvOptions,
  ) {
    this.ttlMs = opts.ttlMs;
    this.assertOpen = opts.assertOpen;
    for (const { key, slot } of opts.restored?.changes ?? []) {
      this.slots.set(key, slot);
      this.revision = Math.max(this.revision, slot.revision);
    }
    this.revision = Math.max(this.revision, opts.restored?.revision ?? 0);
  }

  /** Latest slot of every key (for compaction). */
  entries(): Iterable<[string, KvSlot]> {
    return this.slots.entries();
  }

  private current(key: string): KvSlot | undefined {
    const slot = this.slots.get(key);
    if (slot && this.ttlMs && slot.time < Date.now() - this.ttlMs) {
      this.slots.delete(key);
      return undefined;
    }
    return slot;
  }

  private write(key: string, value: Uint8Array | null): number {
    const slot: KvSlot = { value: value ? new Uint8Array(value) : null, revision: ++this.revision, time: Date.now() };
    this.slots.set(key, slot);
    this.opts.persist?.({ key, slot });
    for (const watcher of this.watchers) watcher(key, slot);
    return slot.revision;
  }

  async get(key: string): Promise<KvEntry | null> {
    this.assertOpen();
    checkKey(key);
    const slot = this.current(key);
    return slot?.value ? { key, value: new Uint8Array(slot.value), revision: slot.revision } : null;
  }

  async put(key: string, value: Uint8Array): Promise<number> {
    this.assertOpen();
    checkKey(key);
    return this.write(key, value);
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    this.assertOpen();
    checkKey(key);
    if (this.current(key)?.value) throw new KvConflictError(`key exists: ${this.bucket}/${key}`);
    return this.write(key, value);
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number> {
    this.assertOpen();
    checkKey(key);
    const slot = this.current(key);
    if (!slot || slot.revision !== revision) {
      throw new KvConflictError(
        `wrong revision for ${this.bucket}/${key}: expected ${revision}, at ${slot?.revision ?? 0}`,
      );
    }
    return this.write(key, value);
  }

  async delete(key: string): Promise<void> {
    this.assertOpen();
    checkKey(key);
    this.write(key, null);
  }

  async keys(prefix = ''): Promise<string[]> {
    this.assertOpen();
    const keys: string[] = [];
    for (const key of [...this.slots.keys()]) {
      if (key.startsWith(prefix) && this.current(key)?.value) keys.push(key);
    }
    return keys;
  }

  async watch(key: string, handler: (entry: KvEntry | null, key: string) => void): Promise<Subscription> {
    this.assertOpen();
    checkKey(key, validWatchKey);
    const matches = subjectMatcher(key);
    const watcher = (changed: string, slot: KvSlot) => {
      if (!matches(changed)) return;
      const entry = slot.value ? { key: changed, value: new Uint8Array(slot.value), revision: slot.revision } : null;
      // Asynchronous like a NATS watch, and in write order.
      queueMicrotask(() => {
        if (!this.watchers.has(watcher)) return;
        try {
          handler(entry, changed);
        } catch (error) {
          this.opts.onError(error);
        }
      });
    };
    this.watchers.add(watcher);
    return { unsubscribe: async () => void this.watchers.delete(watcher) };
  }

  close(): void {
    this.watchers.clear();
  }
}
