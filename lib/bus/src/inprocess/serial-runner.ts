/**
 * Runs items one at a time, in order, awaiting each: a subscription's handler never sees message
 * n+1 before it has finished with message n (the NATS bus gets the same from its async iterator).
 */
export class SerialRunner<T> {
  private queue: T[] = [];
  private head = 0;
  private running = false;
  private stopped = false;

  constructor(
    private readonly run: (item: T) => void | Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  push(item: T): void {
    if (this.stopped) return;
    this.queue.push(item);
    if (this.running) return;
    this.running = true;
    // A macrotask, like a network hop: publish loops between handlers cannot starve timers or I/O.
    setImmediate(() => void this.drain());
  }

  stop(): void {
    this.stopped = true;
    this.queue = [];
    this.head = 0;
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.head < this.queue.length) {
      const item = this.queue[this.head++] as T;
      try {
        await this.run(item);
      } catch (error) {
        this.onError(error);
      }
    }
    this.queue = this.queue.slice(this.head);
    this.head = 0;
    this.running = false;
  }
}
