import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { subjectMatcher } from '../subject-match.ts';
import type { Headers, StreamConfig } from '../types.ts';
import { fromBase64, JsonlFile, toBase64 } from './jsonl-file.ts';
import type { KvChange } from './memory-kv.ts';
import type { LogRecord } from './stream-log.ts';

/**
 * Persistence of the embedded bus: one JSON-lines file per stream (config, messages, durable
 * consumer progress) and per KV bucket, under `<dataDir>/streams` and `<dataDir>/kv`. Files are
 * compacted when opened (expired messages, acked progress and overwritten values dropped) and
 * appended to while running.
 */

type StreamLine =
  | { t: 'stream'; config: StreamConfig; lastSeq: number }
  | { t: 'msg'; seq: number; s: string; d: string; h: Headers; ts: number; id?: string }
  | { t: 'consumer'; name: string; filter?: string; start: number }
  | { t: 'ack'; name: string; seq: number }
  | { t: 'delconsumer'; name: string };

type KvLine = { t: 'bucket'; revision: number } | { t: 'put'; k: string; v: string | null; r: number; ts: number };

export interface RestoredConsumer {
  filter?: string;
  /** Every matching message below this sequence is finished. */
  start: number;
  /** Finished sequences at or above `start`. */
  finished: number[];
}

export interface RestoredStream {
  config: StreamConfig;
  lastSeq: number;
  records: LogRecord[];
  consumers: Map<string, RestoredConsumer>;
}

export class StreamFile {
  constructor(private readonly file: JsonlFile) {}
  config(config: StreamConfig, lastSeq: number): void {
    this.write({ t: 'stream', config, lastSeq });
  }
  message(r: LogRecord): void {
    const line: StreamLine = { t: 'msg', seq: r.seq, s: r.subject, d: toBase64(r.data), h: r.headers, ts: r.time };
    if (r.msgId !== undefined) line.id = r.msgId;
    this.write(line);
  }
  consumer(name: string, filter: string | undefined, start: number): void {
    this.write(filter === undefined ? { t: 'consumer', name, start } : { t: 'consumer', name, filter, start });
  }
  ack(name: string, seq: number): void {
    this.write({ t: 'ack', name, seq });
  }
  deleteConsumer(name: string): void {
    this.write({ t: 'delconsumer', name });
  }
  close(): void {
    this.file.close();
  }
  private write(line: StreamLine): void {
    this.file.append(line);
  }
}

export class KvFile {
  constructor(private readonly file: JsonlFile) {}
  change({ key, slot }: KvChange): void {
    const line: KvLine = {
      t: 'put',
      k: key,
      v: slot.value ? toBase64(slot.value) : null,
      r: slot.revision,
      ts: slot.time,
    };
    this.file.append(line);
  }
  close(): void {
    this.file.close();
  }
}

const fileName = (name: string) => `${encodeURIComponent(name)}.jsonl`;

export class DataDir {
  private readonly streamsDir: string;
  private readonly kvDir: string;

  constructor(root: string) {
    this.streamsDir = join(root, 'streams');
    this.kvDir = join(root, 'kv');
    mkdirSync(this.streamsDir, { recursive: true });
    mkdirSync(this.kvDir, { recursive: true });
  }

  streamNames(): string[] {
    return readdirSync(this.streamsDir)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => decodeURIComponent(f.slice(0, -'.jsonl'.length)));
  }

  openStream(name: string): { file: StreamFile; restored: RestoredStream | null } {
    let restored: RestoredStream | null = null;
    const file = JsonlFile.open(join(this.streamsDir, fileName(name)), (lines) => {
      restored = restoreStream(lines as StreamLine[]);
      return restored ? streamLines(restored) : [];
    });
    return { file: new StreamFile(file), restored };
  }

  openBucket(name: string): { file: KvFile; restored: { revision: number; changes: KvChange[] } } {
    let restored = { revision: 0, changes: [] as KvChange[] };
    const file = JsonlFile.open(join(this.kvDir, fileName(name)), (lines) => {
      restored = restoreBucket(lines as KvLine[]);
      return [
        { t: 'bucket', revision: restored.revision },
        ...restored.changes.map(
          ({ key, slot }): KvLine => ({
            t: 'put',
            k: key,
            v: slot.value ? toBase64(slot.value) : null,
            r: slot.revision,
            ts: slot.time,
          }),
        ),
      ];
    });
    return { file: new KvFile(file), restored };
  }
}

function restoreStream(lines: StreamLine[]): RestoredStream | null {
  let config: StreamConfig | undefined;
  let lastSeq = 0;
  const records: LogRecord[] = [];
  const consumers = new Map<string, { filter?: string; start: number; acked: Set<number> }>();
  for (const line of lines) {
    switch (line.t) {
      case 'stream':
        config = line.config;
        lastSeq = Math.max(lastSeq, line.lastSeq);
        break;
      case 'msg':
        records.push({
          seq: line.seq,
          subject: line.s,
          data: fromBase64(line.d),
          headers: line.h,
          time: line.ts,
          ...(line.id !== undefined ? { msgId: line.id } : {}),
        });
        lastSeq = Math.max(lastSeq, line.seq);
        break;
      case 'consumer':
        consumers.set(line.name, {
          ...(line.filter ? { filter: line.filter } : {}),
          start: line.start,
          acked: new Set(),
        });
        break;
      case 'ack':
        consumers.get(line.name)?.acked.add(line.seq);
        break;
      case 'delconsumer':
        consumers.delete(line.name);
        break;
    }
  }
  if (!config) return null;
  const maxAge = config.maxAgeMs;
  const now = Date.now();
  const kept = maxAge ? records.filter((r) => r.time >= now - maxAge) : records;
  const bySeq = new Map(kept.map((r) => [r.seq, r]));
  const firstSeq = kept[0]?.seq ?? lastSeq + 1;
  const restored: RestoredStream = { config, lastSeq, records: kept, consumers: new Map() };
  for (const [name, c] of consumers) {
    const matches = c.filter ? subjectMatcher(c.filter) : () => true;
    // Move the start past everything finished or not for this consumer, so progress stays small.
    let start = Math.max(c.start, firstSeq);
    for (;;) {
      const r = bySeq.get(start);
      if (start > lastSeq || (r && matches(r.subject) && !c.acked.has(start))) break;
      start++;
    }
    const finished = [...c.acked].filter((s) => s >= start).sort((a, b) => a - b);
    restored.consumers.set(name, { ...(c.filter ? { filter: c.filter } : {}), start, finished });
  }
  return restored;
}

function streamLines(s: RestoredStream): StreamLine[] {
  const lines: StreamLine[] = [{ t: 'stream', config: s.config, lastSeq: s.lastSeq }];
  for (const r of s.records) {
    const line: StreamLine = { t: 'msg', seq: r.seq, s: r.subject, d: toBase64(r.data), h: r.headers, ts: r.time };
    if (r.msgId !== undefined) line.id = r.msgId;
    lines.push(line);
  }
  for (const [name, c] of s.consumers) {
    lines.push(
      c.filter ? { t: 'consumer', name, filter: c.filter, start: c.start } : { t: 'consumer', name, start: c.start },
    );
    for (const seq of c.finished) lines.push({ t: 'ack', name, seq });
  }
  return lines;
}

function restoreBucket(lines: KvLine[]): { revision: number; changes: KvChange[] } {
  let revision = 0;
  const latest = new Map<string, KvChange>();
  for (const line of lines) {
    if (line.t === 'bucket') {
      revision = Math.max(revision, line.revision);
    } else if (line.t === 'put') {
      latest.set(line.k, {
        key: line.k,
        slot: { value: line.v === null ? null : fromBase64(line.v), revision: line.r, time: line.ts },
      });
      revision = Math.max(revision, line.r);
    }
  }
  return { revision, changes: [...latest.values()].sort((a, b) => a.slot.revision - b.slot.revision) };
}
