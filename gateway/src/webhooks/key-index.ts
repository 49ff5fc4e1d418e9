import type { KeyValue, Subscription } from '@mi/bus';
import { TimeoutError, withTimeout } from '@mi/resilience';

/**
 * Lists a bucket's keys once, with a deadline and retries. On NATS (seen with nats-server 2.9 and
 * @nats-io/kv 3.4), `keys()` can stall for minutes while keys it lists are being written, so it is
 * only used to load a mirror at startup, never per request.
 */
export async function listKeysOnce(kv: KeyValue, opts: { timeoutMs?: number; tries?: number } = {}): Promise<string[]> {
  const tries = opts.tries ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTimeout(opts.timeoutMs ?? 3_000, () => kv.keys());
    } catch (error) {
      if (!(error instanceof TimeoutError) || attempt >= tries) throw error;
    }
  }
}

/**
 * The keys of a bucket, mirrored in memory through a KV watch, so listings cost no `keys()` call.
 * Writes made through this process are applied at once (`add`/`remove`), others arrive via the watch.
 */
export class KeyIndex {
  private readonly keys = new Set<string>();
  private watcher: Subscription | undefined;

  static async open(kv: KeyValue): Promise<KeyIndex> {
    const index = new KeyIndex();
    // Watch before listing so nothing written in between is missed; a delete seen meanwhile wins.
    const deletedWhileLoading = new Set<string>();
    let loading = true;
    index.watcher = await kv.watch('>', (entry, key) => {
      if (entry) return index.add(key);
      if (loading) deletedWhileLoading.add(key);
      index.remove(key);
    });
    for (const key of await listKeysOnce(kv)) if (!deletedWhileLoading.has(key)) index.add(key);
    loading = false;
    return index;
  }

  add(key: string): void {
    this.keys.add(key);
  }

  remove(key: string): void {
    this.keys.delete(key);
  }

  /** Keys starting with `prefix`, sorted. */
  list(prefix = ''): string[] {
    return [...this.keys].filter((k) => k.startsWith(prefix)).sort();
  }

  async close(): Promise<void> {
    await this.watcher?.unsubscribe();
    this.watcher = undefined;
  }
}
