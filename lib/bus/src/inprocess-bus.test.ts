import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus } from './inprocess-bus.ts';
import { sleep, waitFor } from './testing/wait-for.ts';
import type { WorkMessage } from './types.ts';

/** In-process specifics the contract suite cannot cover: persistence, age trimming, validation. */

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mi-bus-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('InProcessBus with dataDir', () => {
  it('keeps streams, de-dup ids, consumer progress and KV across a restart', async () => {
    const dataDir = tempDir();
    const first = new InProcessBus({ dataDir });
    await first.ensureStream({ name: 'EVENTS', subjects: ['ev.>'] });
    for (const id of ['1', '2', '3'])
      await first.append(`ev.${id}`, enc(id), { msgId: `m${id}`, headers: { 'Mi-Id': id } });
    const held: WorkMessage[] = [];
    await first.consume({ stream: 'EVENTS', durable: 'worker', ackWaitMs: 60_000 }, async (m) => {
      held.push(m);
      if (m.seq !== 2) await m.ack(); // seq 2 is in flight when the process "dies"
    });
    await waitFor(() => held.length === 3);
    const kv = await first.kv('state');
    await kv.put('a', enc('A'));
    await kv.put('b', enc('B'));
    await kv.delete('b');
    const revision = await kv.put('c', enc('C'));
    await first.close();

    const second = new InProcessBus({ dataDir });
    const last = await second.lastMessage('EVENTS', 'ev.3');
    expect(last && [last.seq, dec(last.data), last.headers['Mi-Id']]).toEqual([3, '3', '3']);
    expect(await second.append('ev.1', enc('again'), { msgId: 'm1' })).toEqual({ seq: 1, duplicate: true });
    expect(await second.append('ev.4', enc('4'))).toEqual({ seq: 4, duplicate: false });
    await second.ensureStream({ name: 'EVENTS', subjects: ['ev.>'] });
    const resumed: WorkMessage[] = [];
    await second.consume({ stream: 'EVENTS', durable: 'worker' }, async (m) => {
      resumed.push(m);
      await m.ack();
    });
    await waitFor(() => resumed.length === 2);
    expect(resumed.map((m) => m.seq)).toEqual([2, 4]);
    const kv2 = await second.kv('state');
    expect(dec((await kv2.get('a'))?.value ?? enc(''))).toBe('A');
    expect(await kv2.get('b')).toBeNull();
    expect((await kv2.keys()).sort()).toEqual(['a', 'c']);
    expect(await kv2.put('d', enc('D'))).toBe(revision + 1);
    await second.close();

    // Compaction on open keeps the acked progress but not the finished messages' acks.
    const third = new InProcessBus({ dataDir });
    const again: number[] = [];
    await third.consume({ stream: 'EVENTS', durable: 'worker' }, (m) => void again.push(m.seq));
    await sleep(30);
    expect(again).toEqual([]);
    await third.close();
    expect(readdirSync(join(dataDir, 'streams'))).toEqual(['EVENTS.jsonl']);
  });

  it('keeps memory-only streams off the disk', async () => {
    const dataDir = tempDir();
    const first = new InProcessBus({ dataDir, memoryOnlyStreams: ['AUDIO'] });
    await first.ensureStream({ name: 'AUDIO', subjects: ['au.>'] });
    await first.ensureStream({ name: 'EVENTS', subjects: ['ev.>'] });
    await first.append('au.1', enc('pcm'));
    await first.append('ev.1', enc('event'));
    expect(await first.lastMessage('AUDIO', 'au.1')).not.toBeNull();
    await first.close();
    const second = new InProcessBus({ dataDir, memoryOnlyStreams: ['AUDIO'] });
    await second.ensureStream({ name: 'AUDIO', subjects: ['au.>'] });
    expect(await second.lastMessage('AUDIO', 'au.1')).toBeNull();
    expect(await second.lastMessage('EVENTS', 'ev.1')).not.toBeNull();
    await second.close();
  });

  it('compacts a file that keeps growing while running', async () => {
    const dataDir = tempDir();
    const bus = new InProcessBus({ dataDir });
    const kv = await bus.kv('hot');
    let last = 0;
    for (let i = 0; i < 25_000; i++) last = await kv.put('lease', enc(String(i)));
    const lines = readFileSync(join(dataDir, 'kv', 'hot.jsonl'), 'utf8')
      .trim()
      .split('\n').length;
    expect(lines).toBeLessThanOrEqual(10_002);
    await bus.close();
    const reopened = new InProcessBus({ dataDir });
    const entry = await (await reopened.kv('hot')).get('lease');
    expect(entry && [dec(entry.value), entry.revision]).toEqual(['24999', last]);
    await reopened.close();
  });

  it('skips a torn last line', async () => {
    const dataDir = tempDir();
    const bus = new InProcessBus({ dataDir });
    await bus.ensureStream({ name: 'S', subjects: ['s.>'] });
    await bus.append('s.a', enc('ok'));
    await bus.close();
    appendFileSync(join(dataDir, 'streams', 'S.jsonl'), '{"t":"msg","seq":2,"s":"s.a","d":"');
    const reopened = new InProcessBus({ dataDir });
    expect((await reopened.lastMessage('S', 's.a'))?.seq).toBe(1);
    expect((await reopened.append('s.a', enc('next'))).seq).toBe(2);
    await reopened.close();
  });
});

describe('InProcessBus', () => {
  it('drops messages older than maxAge', async () => {
    const bus = new InProcessBus();
    await bus.ensureStream({ name: 'SHORT', subjects: ['short.>'], maxAgeMs: 50 });
    await bus.append('short.a', enc('old'));
    await sleep(80);
    expect(await bus.lastMessage('SHORT', 'short.a')).toBeNull();
    await bus.append('short.a', enc('new'));
    const got: string[] = [];
    await (await bus.replay('SHORT', { from: { kind: 'all' }, live: false }, (m) => void got.push(dec(m.data)))).done;
    expect(got).toEqual(['new']);
    await bus.close();
  });

  it('refuses overlapping streams and invalid names', async () => {
    const bus = new InProcessBus();
    await bus.ensureStream({ name: 'A', subjects: ['a.>'] });
    await expect(bus.ensureStream({ name: 'B', subjects: ['*.x'] })).rejects.toThrow(/overlap/);
    await expect(bus.ensureStream({ name: 'bad.name', subjects: ['c.>'] })).rejects.toThrow(/invalid/);
    await expect(bus.publish('a..b', enc(''))).rejects.toThrow(/invalid subject/);
    expect(() => bus.subscribe('a.>.b', () => {})).toThrow(/invalid/);
    await bus.close();
  });

  it('lets a handler error reach onError without stopping the subscription', async () => {
    const errors: unknown[] = [];
    const bus = new InProcessBus({ onError: (e) => errors.push(e) });
    const got: string[] = [];
    bus.subscribe('x.y', (m) => {
      got.push(dec(m.data));
      if (got.length === 1) throw new Error('first fails');
    });
    await bus.publish('x.y', enc('1'));
    await bus.publish('x.y', enc('2'));
    await waitFor(() => got.length === 2);
    expect(errors).toHaveLength(1);
    await bus.close();
  });
});
