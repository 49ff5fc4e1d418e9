import { subjectMatcher } from '../subject-match.ts';
import type { DeliverFrom, Headers, StoredMessage, StreamConfig } from '../types.ts';

/** One stored message; `time` in epoch milliseconds. */
export interface LogRecord {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Headers;
  readonly time: number;
  readonly msgId?: string;
}

export const defaultDuplicateWindowMs = 2 * 60_000;

/** JetStream refuses a duplicate window longer than max age; clamp the same way in both buses. */
export function duplicateWindowOf(config: StreamConfig): number {
  const window = config.duplicateWindowMs ?? defaultDuplicateWindowMs;
  return config.maxAgeMs ? Math.min(window, config.maxAgeMs) : window;
}

/** A copy: handlers may mutate what they get without corrupting the log (NATS gives copies too). */
export const toStoredMessage = (r: LogRecord): StoredMessage => ({
  subject: r.subject,
  data: r.data.slice(),
  headers: { ...r.headers },
  seq: r.seq,
  time: new Date(r.time),
});

/**
 * An in-memory stream: messages with contiguous sequence numbers, trimmed from the front by age
 * (lazily, on append and read, so no timer is needed), plus the msgId de-duplication window.
 */
export class StreamLog {
  private records: LogRecord[] = [];
  /** Index of the oldest live record; the array is compacted in bulk, not shifted per message. */
  private head = 0;
  private seq: number;
  /** msgId → seq, in insertion (= time) order so expiry stops at the first fresh entry. */
  private readonly msgIds = new Map<string, { seq: number; time: number }>();
  private readonly listeners = new Set<() => void>();
  private matchers: ((subject: string) => boolean)[] = [];
  config!: StreamConfig;

  constructor(
    config: StreamConfig,
    restored: { lastSeq: number; records: LogRecord[] } = { lastSeq: 0, records: [] },
    private readonly persist?: (record: LogRecord) => void,
  ) {
    this.setConfig(config);
    this.seq = restored.lastSeq;
    for (const r of restored.records) {
      this.records.push(r);
      if (r.msgId !== undefined) this.msgIds.set(r.msgId, { seq: r.seq, time: r.time });
      this.seq = Math.max(this.seq, r.seq);
    }
    this.trim();
  }

  setConfig(config: StreamConfig): void {
    this.config = { ...config, subjects: [...config.subjects] };
    this.matchers = config.subjects.map(subjectMatcher);
  }

  captures(subject: string): boolean {
    return this.matchers.some((m) => m(subject));
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Sequence of the oldest stored message (lastSeq + 1 when empty). */
  get firstSeq(): number {
    this.trim();
    return this.records[this.head]?.seq ?? this.seq + 1;
  }

  append(
    subject: string,
    data: Uint8Array,
    headers: Headers,
    msgId?: string,
  ): { seq: number; duplicate: boolean; record?: LogRecord } {
    const now = Date.now();
    this.trim(now);
    if (msgId !== undefined) {
      const seen = this.msgIds.get(msgId);
      if (seen) return { seq: seen.seq, duplicate: true };
    }
    const record: LogRecord = { seq: ++this.seq, subject, data, headers, time: now, ...(msgId ? { msgId } : {}) };
    this.records.push(record);
    if (msgId !== undefined) this.msgIds.set(msgId, { seq: record.seq, time: now });
    this.persist?.(record);
    for (const listener of this.listeners) listener();
    return { seq: record.seq, duplicate: false, record };
  }

  get(seq: number): LogRecord | undefined {
    this.trim();
    const first = this.records[this.head];
    if (!first || seq < first.seq) return undefined;
    return this.records[this.head + (seq - first.seq)];
  }

  /** First sequence stored at or after `time` (lastSeq + 1 when none). */
  seqAtTime(time: number): number {
    this.trim();
    let lo = this.head;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.records[mid]?.time ?? 0) < time) lo = mid + 1;
      else hi = mid;
    }
    return this.records[lo]?.seq ?? this.seq + 1;
  }

  /** Newest message whose subject matches `pattern`. */
  last(matches: (subject: string) => boolean): LogRecord | undefined {
    this.trim();
    for (let i = this.records.length - 1; i >= this.head; i--) {
      const r = this.records[i];
      if (r && matches(r.subject)) return r;
    }
    return undefined;
  }

  /** Live records, oldest first (for compaction on load). */
  *all(): Iterable<LogRecord> {
    this.trim();
    for (let i = this.head; i < this.records.length; i++) {
      const r = this.records[i];
      if (r) yield r;
    }
  }

  /** Called after every stored message; returns the unlisten function. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  trim(now = Date.now()): void {
    const maxAge = this.config.maxAgeMs;
    if (maxAge) {
      while (this.head < this.records.length && (this.records[this.head]?.time ?? now) < now - maxAge) this.head++;
      if (this.head > 1024 && this.head * 2 > this.records.length) {
        this.records = this.records.slice(this.head);
        this.head = 0;
      }
    }
    const window = duplicateWindowOf(this.config);
    for (const [id, seen] of this.msgIds) {
      if (seen.time >= now - window) break;
      this.msgIds.delete(id);
    }
  }
}

/** Where a consumer or replay starts reading. */
export function startSeqOf(log: StreamLog, from: DeliverFrom): number {
  switch (from.kind) {
    case 'all':
      return log.firstSeq;
    case 'new':
      return log.lastSeq + 1;
    case 'seq':
      return Math.max(1, from.seq);
    case 'time':
      return log.seqAtTime(from.time.getTime());
  }
}
