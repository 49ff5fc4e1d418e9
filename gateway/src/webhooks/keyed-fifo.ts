/**
 * Queues keyed by lane: items of one lane run one at a time in push order, lanes run in parallel.
 * A lane exists only while it has work, so idle rooms cost nothing.
 */
type Lane<T> = { waiting: T[]; current: T | undefined; done: Promise<void> };

export class KeyedFifo<T> {
  private readonly lanes = new Map<string, Lane<T>>();

  constructor(
    private readonly work: (item: T) => Promise<void>,
    private readonly onError: (error: unknown, item: T) => void,
  ) {}

  push(key: string, item: T): void {
    const lane = this.lanes.get(key);
    if (lane) {
      lane.waiting.push(item);
      return;
    }
    const fresh: Lane<T> = { waiting: [item], current: undefined, done: Promise.resolve() };
    this.lanes.set(key, fresh);
    fresh.done = this.drain(key, fresh);
  }

  private async drain(key: string, lane: Lane<T>): Promise<void> {
    for (let item = lane.waiting.shift(); item !== undefined; item = lane.waiting.shift()) {
      lane.current = item;
      try {
        await this.work(item);
      } catch (error) {
        this.onError(error, item);
      }
      lane.current = undefined;
    }
    this.lanes.delete(key);
  }

  /** Every lane: the item being worked on and those waiting behind it. */
  *entries(): IterableIterator<{ key: string; current: T | undefined; waiting: readonly T[] }> {
    for (const [key, lane] of this.lanes) yield { key, current: lane.current, waiting: lane.waiting };
  }

  /** Drops everything not yet started (shutdown). */
  clear(): void {
    for (const lane of this.lanes.values()) lane.waiting.length = 0;
  }

  /** Resolves when the items being worked on have finished. */
  async idle(): Promise<void> {
    await Promise.all([...this.lanes.values()].map((l) => l.done));
  }
}
