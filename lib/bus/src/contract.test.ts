import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BusReplyError } from './errors.ts';
import { InProcessBus } from './inprocess-bus.ts';
import { NatsBus } from './nats-bus.ts';
import { type NatsServerHandle, startNatsServer } from './testing/nats-server.ts';
import { sleep, waitFor } from './testing/wait-for.ts';
import {
  type Bus,
  type BusMessage,
  BusTimeoutError,
  headerNames,
  KvConflictError,
  type KvEntry,
  type StoredMessage,
  type WorkMessage,
} from './types.ts';

/**
 * The bus contract: one suite, run against the in-process bus and against NATS (a real
 * nats-server started here). Both implementations must pass every test unchanged.
 */

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

interface Harness {
  connect(): Promise<Bus>;
  stop(): Promise<void>;
  server?: NatsServerHandle;
}

const implementations: { name: string; start(): Promise<Harness> }[] = [
  {
    name: 'inprocess',
    start: async () => ({ connect: async () => new InProcessBus({ onError: () => {} }), stop: async () => {} }),
  },
  {
    name: 'nats',
    start: async () => {
      const server = await startNatsServer();
      return {
        server,
        connect: () => NatsBus.connect({ servers: server.url, name: 'contract-test', onError: () => {} }),
        stop: () => server.stop(),
      };
    },
  },
];

let counter = 0;
/** Fresh names per test: the NATS server is shared by the whole suite. */
function names() {
  const id = `t${++counter}${Math.random().toString(36).slice(2, 6)}`;
  return { id, stream: `S_${id}`, subject: (rest: string) => `${id}.${rest}` };
}

describe.each(implementations)('bus contract: $name', ({ start }) => {
  let harness: Harness;
  let bus: Bus;

  beforeAll(async () => {
    harness = await start();
  });
  afterAll(async () => {
    await harness?.stop();
  });
  beforeEach(async () => {
    bus = await harness.connect();
  });
  afterEach(async () => {
    await bus.close();
  });

  /** Stream `S_<id>` capturing `<id>.>`. */
  async function stream() {
    const n = names();
    await bus.ensureStream({ name: n.stream, subjects: [`${n.id}.>`] });
    return n;
  }

  describe('publish/subscribe', () => {
    it('fans out to every matching subscriber, with * and > wildcards', async () => {
      const { subject } = names();
      const got: Record<string, string[]> = { star: [], tail: [], exact: [], other: [] };
      bus.subscribe(subject('*.x'), (m) => void got.star?.push(m.subject));
      bus.subscribe(subject('>'), (m) => void got.tail?.push(m.subject));
      bus.subscribe(subject('a.x'), (m) => void got.exact?.push(m.subject));
      bus.subscribe(subject('b'), (m) => void got.other?.push(m.subject));
      await bus.publish(subject('a.x'), enc('1'), { headers: { 'Mi-Test': 'yes' } });
      await bus.publish(subject('b.x'), enc('2'));
      await bus.publish(subject('a.b.c'), enc('3'));
      await waitFor(() => got.tail?.length === 3, { message: 'tail subscriber' });
      await waitFor(() => got.star?.length === 2, { message: 'star subscriber' });
      expect(got.star).toEqual([subject('a.x'), subject('b.x')]);
      expect(got.exact).toEqual([subject('a.x')]);
      expect(got.tail).toEqual([subject('a.x'), subject('b.x'), subject('a.b.c')]);
      expect(got.other).toEqual([]);
    });

    it('delivers data and headers, in order, and stops after unsubscribe', async () => {
      const { subject } = names();
      const got: BusMessage[] = [];
      const sub = bus.subscribe(subject('in'), async (m) => {
        await sleep(1); // an async handler still sees messages one at a time, in order
        got.push(m);
      });
      for (let i = 0; i < 10; i++) await bus.publish(subject('in'), enc(String(i)), { headers: { 'Mi-N': String(i) } });
      await waitFor(() => got.length === 10);
      expect(got.map((m) => dec(m.data))).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      expect(got[3]?.headers['Mi-N']).toBe('3');
      await sub.unsubscribe();
      await bus.publish(subject('in'), enc('late'));
      await sleep(50);
      expect(got).toHaveLength(10);
    });

    it('shares messages among a queue group while plain subscribers get all', async () => {
      const { subject } = names();
      const a: string[] = [];
      const b: string[] = [];
      const all: string[] = [];
      bus.subscribe(subject('job'), (m) => void a.push(dec(m.data)), { queue: 'workers' });
      bus.subscribe(subject('job'), (m) => void b.push(dec(m.data)), { queue: 'workers' });
      bus.subscribe(subject('job'), (m) => void all.push(dec(m.data)));
      for (let i = 0; i < 20; i++) await bus.publish(subject('job'), enc(String(i)));
      await waitFor(() => all.length === 20 && a.length + b.length === 20);
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
      expect(new Set([...a, ...b]).size).toBe(20);
    });
  });

  describe('streams', () => {
    it('appends with increasing seq and drops a repeated msgId', async () => {
      const { subject } = await stream();
      const first = await bus.append(subject('e'), enc('a'), { msgId: 'm1' });
      const again = await bus.append(subject('e'), enc('a'), { msgId: 'm1' });
      const second = await bus.append(subject('e'), enc('b'), { msgId: 'm2' });
      const third = await bus.append(subject('e'), enc('c'));
      expect(first).toEqual({ seq: 1, duplicate: false });
      expect(again).toEqual({ seq: 1, duplicate: true });
      expect(second).toEqual({ seq: 2, duplicate: false });
      expect(third).toEqual({ seq: 3, duplicate: false });
      const last = await bus.lastMessage(`S_${subject('').slice(0, -1)}`, subject('e'));
      expect(last?.seq).toBe(3);
    });

    it('refuses an append no stream captures', async () => {
      const { subject } = names();
      await expect(bus.append(subject('nowhere'), enc('x'))).rejects.toThrow();
    });

    it('ensureStream is idempotent and a plain publish is stored too', async () => {
      const n = await stream();
      await bus.ensureStream({ name: n.stream, subjects: [`${n.id}.>`] });
      await bus.publish(n.subject('p'), enc('published'), { msgId: 'p1' });
      await waitFor(async () => (await bus.lastMessage(n.stream, n.subject('p'))) !== null);
      const m = await bus.lastMessage(n.stream, n.subject('p'));
      expect(dec(m?.data ?? enc(''))).toBe('published');
      expect(m?.headers[headerNames.msgId]).toBe('p1');
      expect((await bus.append(n.subject('p'), enc('again'), { msgId: 'p1' })).duplicate).toBe(true);
    });

    it('drops messages older than maxAge', async () => {
      const n = names();
      await bus.ensureStream({ name: n.stream, subjects: [`${n.id}.>`], maxAgeMs: 300 });
      await bus.append(n.subject('x'), enc('short-lived'));
      expect(await bus.lastMessage(n.stream, n.subject('x'))).not.toBeNull();
      await waitFor(async () => (await bus.lastMessage(n.stream, n.subject('x'))) === null, {
        timeoutMs: 3_000,
        intervalMs: 50,
      });
      expect((await bus.append(n.subject('x'), enc('next'))).seq).toBe(2);
    });

    it('returns the last message per subject', async () => {
      const n = await stream();
      await bus.append(n.subject('a'), enc('a1'), { headers: { 'Mi-H': 'h1' } });
      await bus.append(n.subject('b'), enc('b1'));
      await bus.append(n.subject('a'), enc('a2'), { headers: { 'Mi-H': 'h2' } });
      const last = await bus.lastMessage(n.stream, n.subject('a'));
      expect(last && { data: dec(last.data), seq: last.seq, subject: last.subject, h: last.headers['Mi-H'] }).toEqual({
        data: 'a2',
        seq: 3,
        subject: n.subject('a'),
        h: 'h2',
      });
      expect(last?.time).toBeInstanceOf(Date);
      expect(Math.abs((last?.time.getTime() ?? 0) - Date.now())).toBeLessThan(5_000);
      expect(await bus.lastMessage(n.stream, n.subject('none'))).toBeNull();
    });

    it('replays from a seq, in order, then goes live', async () => {
      const n = await stream();
      for (let i = 1; i <= 5; i++) await bus.append(n.subject(i % 2 ? 'odd' : 'even'), enc(String(i)));
      const got: StoredMessage[] = [];
      const sub = await bus.replay(n.stream, { from: { kind: 'seq', seq: 3 } }, async (m) => {
        await sleep(1);
        got.push(m);
      });
      await waitFor(() => got.length === 3);
      await bus.append(n.subject('odd'), enc('6'));
      await bus.append(n.subject('even'), enc('7'));
      await waitFor(() => got.length === 5);
      expect(got.map((m) => [m.seq, dec(m.data)])).toEqual([
        [3, '3'],
        [4, '4'],
        [5, '5'],
        [6, '6'],
        [7, '7'],
      ]);
      await sub.unsubscribe();
      await bus.append(n.subject('odd'), enc('8'));
      await sleep(50);
      expect(got).toHaveLength(5);
    });

    it('replays only a filter subject, and a non-live replay completes', async () => {
      const n = await stream();
      for (let i = 1; i <= 6; i++) await bus.append(n.subject(i % 2 ? 'odd' : 'even'), enc(String(i)));
      const got: number[] = [];
      const sub = await bus.replay(
        n.stream,
        { from: { kind: 'all' }, filterSubject: n.subject('odd'), live: false },
        (m) => void got.push(m.seq),
      );
      await sub.done;
      expect(got).toEqual([1, 3, 5]);
      const none = await bus.replay(n.stream, { from: { kind: 'new' }, live: false }, () => {
        throw new Error('nothing should be replayed');
      });
      await none.done;
    });

    it('a non-live replay ends with what was stored when it began, while others keep writing', async () => {
      const n = await stream();
      for (let i = 1; i <= 50; i++) await bus.append(n.subject('busy'), enc(String(i)));
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing && i < 2000; i++) await bus.append(n.subject('busy'), enc('more'));
      })();
      const got: string[] = [];
      const sub = await bus.replay(
        n.stream,
        { from: { kind: 'all' }, filterSubject: n.subject('busy'), live: false },
        (m) => {
          got.push(dec(m.data));
        },
      );
      await Promise.race([sub.done, sleep(5_000).then(() => Promise.reject(new Error('replay never ended')))]);
      writing = false;
      await writer;
      expect(got.length).toBeGreaterThanOrEqual(50);
      expect(got.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => String(i + 1)));
    });

    it('replays a wildcard filter spanning several stream subjects', async () => {
      const n = names();
      await bus.ensureStream({ name: n.stream, subjects: [`${n.id}.a.>`, `${n.id}.b.>`] });
      await bus.append(n.subject('a.r1.x'), enc('1'));
      await bus.append(n.subject('b.r2.x'), enc('2'));
      await bus.append(n.subject('b.r1.y'), enc('3'));
      const got: string[] = [];
      const sub = await bus.replay(n.stream, { from: { kind: 'all' }, filterSubject: n.subject('*.r1.>') }, (m) => {
        got.push(dec(m.data));
      });
      await waitFor(() => got.length === 2);
      await bus.append(n.subject('a.r2.x'), enc('4'));
      await bus.append(n.subject('a.r1.z'), enc('5'));
      await waitFor(() => got.length === 3);
      expect(got).toEqual(['1', '3', '5']);
      await sub.unsubscribe();
      const stored: string[] = [];
      const once = await bus.replay(
        n.stream,
        { from: { kind: 'all' }, filterSubject: n.subject('*.r1.>'), live: false },
        (m) => void stored.push(dec(m.data)),
      );
      await once.done;
      expect(stored).toEqual(['1', '3', '5']);
    });

    it('replays from a time, then live', async () => {
      const n = await stream();
      await bus.append(n.subject('x'), enc('before'));
      await sleep(30);
      const time = new Date();
      await sleep(30);
      await bus.append(n.subject('x'), enc('after1'));
      await bus.append(n.subject('x'), enc('after2'));
      const got: string[] = [];
      const sub = await bus.replay(n.stream, { from: { kind: 'time', time } }, (m) => void got.push(dec(m.data)));
      await waitFor(() => got.length === 2);
      await bus.append(n.subject('x'), enc('live'));
      await waitFor(() => got.length === 3);
      expect(got).toEqual(['after1', 'after2', 'live']);
      await sub.unsubscribe();
    });

    it('replays from new: only later messages', async () => {
      const n = await stream();
      await bus.append(n.subject('x'), enc('old'));
      const got: string[] = [];
      const sub = await bus.replay(n.stream, { from: { kind: 'new' } }, (m) => void got.push(dec(m.data)));
      await bus.append(n.subject('x'), enc('new'));
      await waitFor(() => got.length === 1);
      await sleep(30);
      expect(got).toEqual(['new']);
      await sub.unsubscribe();
    });
  });

  describe('durable consumers', () => {
    /** Collects every delivery of a consumer. */
    function recorder() {
      const deliveries: WorkMessage[] = [];
      const texts = () => deliveries.map((m) => dec(m.data));
      return { deliveries, texts };
    }

    it('two competing workers share the messages, each processed once', async () => {
      const n = await stream();
      const seen: Record<string, string[]> = { a: [], b: [] };
      const worker = (name: 'a' | 'b') => async (m: WorkMessage) => {
        seen[name]?.push(dec(m.data));
        await sleep(5);
        await m.ack();
      };
      const opts = { stream: n.stream, durable: 'share', concurrency: 1, ackWaitMs: 5_000 };
      const a = await bus.consume(opts, worker('a'));
      const b = await bus.consume(opts, worker('b'));
      for (let i = 0; i < 20; i++) await bus.append(n.subject('job'), enc(String(i)));
      await waitFor(() => (seen.a?.length ?? 0) + (seen.b?.length ?? 0) >= 20);
      await sleep(50);
      const all = [...(seen.a ?? []), ...(seen.b ?? [])];
      expect(all).toHaveLength(20);
      expect(new Set(all).size).toBe(20);
      expect(seen.a?.length).toBeGreaterThan(0);
      expect(seen.b?.length).toBeGreaterThan(0);
      await a.unsubscribe();
      await b.unsubscribe();
    });

    it('only delivers the filter subject and gives stored fields', async () => {
      const n = await stream();
      await bus.append(n.subject('skip'), enc('no'));
      await bus.append(n.subject('take'), enc('yes'), { headers: { 'Mi-H': 'v' } });
      const r = recorder();
      const sub = await bus.consume(
        { stream: n.stream, durable: 'filtered', filterSubject: n.subject('take') },
        (m) => {
          r.deliveries.push(m);
          return m.ack();
        },
      );
      await waitFor(() => r.deliveries.length === 1);
      const m = r.deliveries[0];
      expect(m && [m.subject, m.seq, m.deliveryCount, m.headers['Mi-H'], dec(m.data)]).toEqual([
        n.subject('take'),
        2,
        1,
        'v',
        'yes',
      ]);
      expect(m?.time).toBeInstanceOf(Date);
      await sleep(50);
      expect(r.deliveries).toHaveLength(1);
      await sub.unsubscribe();
    });

    it('ack stops redelivery', async () => {
      const n = await stream();
      const r = recorder();
      const sub = await bus.consume({ stream: n.stream, durable: 'acker', ackWaitMs: 300 }, async (m) => {
        r.deliveries.push(m);
        await m.ack();
      });
      await bus.append(n.subject('x'), enc('once'));
      await waitFor(() => r.deliveries.length === 1);
      await sleep(700);
      expect(r.texts()).toEqual(['once']);
      await sub.unsubscribe();
    });

    it('nak redelivers (after its delay) with deliveryCount incremented; a throw is a nak', async () => {
      const n = await stream();
      const r = recorder();
      const at: number[] = [];
      const sub = await bus.consume({ stream: n.stream, durable: 'naker', ackWaitMs: 5_000 }, async (m) => {
        r.deliveries.push(m);
        at.push(Date.now());
        if (m.deliveryCount === 1) m.nak();
        else if (m.deliveryCount === 2) m.nak(250);
        else if (m.deliveryCount === 3) throw new Error('boom');
        else await m.ack();
      });
      await bus.append(n.subject('x'), enc('retry'));
      await waitFor(() => r.deliveries.length === 4, { message: 'four deliveries' });
      expect(r.deliveries.map((m) => m.deliveryCount)).toEqual([1, 2, 3, 4]);
      expect(r.deliveries.every((m) => m.seq === 1 && dec(m.data) === 'retry')).toBe(true);
      expect((at[2] ?? 0) - (at[1] ?? 0)).toBeGreaterThanOrEqual(200);
      await sleep(100);
      expect(r.deliveries).toHaveLength(4);
      await sub.unsubscribe();
    });

    it('redelivers when ackWait expires', async () => {
      const n = await stream();
      const r = recorder();
      const at: number[] = [];
      const sub = await bus.consume({ stream: n.stream, durable: 'slow', ackWaitMs: 300 }, async (m) => {
        r.deliveries.push(m);
        at.push(Date.now());
        if (m.deliveryCount > 1) await m.ack(); // first delivery: never settled
      });
      await bus.append(n.subject('x'), enc('lost'));
      await waitFor(() => r.deliveries.length === 2, { message: 'redelivery' });
      expect(r.deliveries.map((m) => m.deliveryCount)).toEqual([1, 2]);
      expect((at[1] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(250);
      await sleep(500);
      expect(r.deliveries).toHaveLength(2);
      await sub.unsubscribe();
    });

    it('working() pushes the ack deadline out', async () => {
      const n = await stream();
      const r = recorder();
      const sub = await bus.consume({ stream: n.stream, durable: 'busy', ackWaitMs: 400 }, async (m) => {
        r.deliveries.push(m);
        for (let i = 0; i < 6; i++) {
          await sleep(150);
          m.working();
        }
        await m.ack();
      });
      await bus.append(n.subject('x'), enc('long'));
      await waitFor(() => r.deliveries.length === 1);
      await sleep(1_300);
      expect(r.deliveries.map((m) => m.deliveryCount)).toEqual([1]);
      await sub.unsubscribe();
    });

    it('dead-letters after maxDeliver with reason headers, then stops', async () => {
      const n = await stream();
      const dlSubject = `v1.deadletter.${n.stream}.poison`;
      const dead: BusMessage[] = [];
      bus.subscribe(dlSubject, (m) => void dead.push(m));
      const r = recorder();
      const sub = await bus.consume({ stream: n.stream, durable: 'poison', maxDeliver: 3, ackWaitMs: 300 }, (m) => {
        r.deliveries.push(m);
        throw new Error('cannot handle this');
      });
      await bus.append(n.subject('bad'), enc('poison'), { headers: { 'Mi-Keep': 'k' }, msgId: 'poison-1' });
      await waitFor(() => dead.length === 1, { message: 'dead letter' });
      const d = dead[0];
      expect(dec(d?.data ?? enc(''))).toBe('poison');
      expect(d?.headers[headerNames.deadLetterSubject]).toBe(n.subject('bad'));
      expect(d?.headers[headerNames.deadLetterDeliveries]).toBe('3');
      expect(d?.headers[headerNames.deadLetterReason]).toContain('cannot handle this');
      expect(d?.headers['Mi-Keep']).toBe('k');
      expect(r.deliveries.map((m) => m.deliveryCount)).toEqual([1, 2, 3]);
      const stored = await bus.lastMessage('DEADLETTER', dlSubject);
      expect(stored?.headers[headerNames.deadLetterDeliveries]).toBe('3');
      await sleep(600);
      expect(r.deliveries).toHaveLength(3);
      expect(dead).toHaveLength(1);
      await sub.unsubscribe();
    });

    it('term() dead-letters to a custom subject with its reason, without redelivery', async () => {
      const n = await stream();
      const dlSubject = `v1.deadletter.custom.${n.id}`;
      const dead: BusMessage[] = [];
      bus.subscribe(dlSubject, (m) => void dead.push(m));
      const r = recorder();
      const sub = await bus.consume(
        { stream: n.stream, durable: 'terminator', deadLetterSubject: dlSubject, ackWaitMs: 300 },
        async (m) => {
          r.deliveries.push(m);
          await m.term('not for us');
        },
      );
      await bus.append(n.subject('x'), enc('refused'));
      await waitFor(() => dead.length === 1);
      expect(dead[0]?.headers[headerNames.deadLetterReason]).toBe('not for us');
      expect(dead[0]?.headers[headerNames.deadLetterDeliveries]).toBe('1');
      await sleep(500);
      expect(r.deliveries).toHaveLength(1);
      await sub.unsubscribe();
    });

    it("redelivers a crashed worker's unacked messages to the next subscriber", async () => {
      const n = await stream();
      const first: WorkMessage[] = [];
      const opts = { stream: n.stream, durable: 'crashy', ackWaitMs: 400 };
      const crashed = await bus.consume(opts, (m) => void first.push(m));
      await bus.append(n.subject('x'), enc('a'));
      await bus.append(n.subject('x'), enc('b'));
      await waitFor(() => first.length === 2);
      await crashed.unsubscribe(); // never acked: as if the worker process died
      await bus.append(n.subject('x'), enc('c'));
      const second: WorkMessage[] = [];
      const sub = await bus.consume(opts, async (m) => {
        second.push(m);
        await m.ack();
      });
      await waitFor(() => second.length === 3, { message: 'all three at the new worker' });
      expect(second.map((m) => dec(m.data)).sort()).toEqual(['a', 'b', 'c']);
      const redelivered = second.filter((m) => dec(m.data) !== 'c');
      expect(redelivered.map((m) => m.deliveryCount)).toEqual([2, 2]);
      expect(first.map((m) => dec(m.data))).toEqual(['a', 'b']);
      await sub.unsubscribe();
    });

    it('keeps progress across resubscribe and starts a new durable at deliverFrom', async () => {
      const n = await stream();
      await bus.append(n.subject('x'), enc('old'));
      await sleep(30);
      const time = new Date();
      await sleep(30);
      await bus.append(n.subject('x'), enc('new1'));
      const got: string[] = [];
      const handler = async (m: WorkMessage) => {
        got.push(dec(m.data));
        await m.ack();
      };
      const opts = { stream: n.stream, durable: 'late', deliverFrom: { kind: 'time', time } as const };
      let sub = await bus.consume(opts, handler);
      await waitFor(() => got.length === 1);
      await sub.unsubscribe();
      await bus.append(n.subject('x'), enc('new2'));
      // Existing durable: deliverFrom is ignored, progress is kept.
      sub = await bus.consume({ ...opts, deliverFrom: { kind: 'all' } }, handler);
      await waitFor(() => got.length === 2);
      await sleep(50);
      expect(got).toEqual(['new1', 'new2']);
      await sub.unsubscribe();

      const fromSeq: string[] = [];
      const seqSub = await bus.consume(
        { stream: n.stream, durable: 'fromseq', deliverFrom: { kind: 'seq', seq: 2 } },
        async (m) => {
          fromSeq.push(dec(m.data));
          await m.ack();
        },
      );
      await waitFor(() => fromSeq.length === 2);
      expect(fromSeq).toEqual(['new1', 'new2']);
      await seqSub.unsubscribe();
    });

    it('respects maxAckPending', async () => {
      const n = await stream();
      for (let i = 0; i < 5; i++) await bus.append(n.subject('x'), enc(String(i)));
      const held: WorkMessage[] = [];
      const sub = await bus.consume(
        { stream: n.stream, durable: 'limited', maxAckPending: 2, ackWaitMs: 5_000 },
        (m) => {
          held.push(m);
        },
      );
      await waitFor(() => held.length === 2);
      await sleep(100);
      expect(held).toHaveLength(2);
      await held[0]?.ack();
      await waitFor(() => held.length === 3);
      expect(held.map((m) => m.seq)).toEqual([1, 2, 3]);
      await sub.unsubscribe();
    });

    it('deleteConsumer forgets progress', async () => {
      const n = await stream();
      await bus.append(n.subject('x'), enc('a'));
      const got: string[] = [];
      const handler = async (m: WorkMessage) => {
        got.push(dec(m.data));
        await m.ack();
      };
      let sub = await bus.consume({ stream: n.stream, durable: 'gone' }, handler);
      await waitFor(() => got.length === 1);
      await sub.unsubscribe();
      await bus.deleteConsumer(n.stream, 'gone');
      sub = await bus.consume({ stream: n.stream, durable: 'gone' }, handler);
      await waitFor(() => got.length === 2);
      expect(got).toEqual(['a', 'a']);
      await sub.unsubscribe();
    });
  });

  describe('request/reply', () => {
    it('answers requests, fails fast without responders and times out', async () => {
      const { subject } = names();
      bus.respond(subject('upper'), (m) => enc(dec(m.data).toUpperCase() + (m.headers['Mi-Suffix'] ?? '')));
      const reply = await bus.request(subject('upper'), enc('hello'), {
        headers: { 'Mi-Suffix': '!' },
        timeoutMs: 2_000,
      });
      expect(dec(reply.data)).toBe('HELLO!');

      await expect(bus.request(subject('nobody'), enc('x'), { timeoutMs: 2_000 })).rejects.toBeInstanceOf(
        BusTimeoutError,
      );
      bus.respond(subject('slow'), async () => {
        await sleep(500);
        return enc('too late');
      });
      const started = Date.now();
      await expect(bus.request(subject('slow'), enc('x'), { timeoutMs: 150 })).rejects.toBeInstanceOf(BusTimeoutError);
      expect(Date.now() - started).toBeLessThan(450);
    });

    it('reports a failing responder as an error', async () => {
      const { subject } = names();
      bus.respond(subject('fail'), () => {
        throw new Error('no can do');
      });
      const failure = bus.request(subject('fail'), enc('x'), { timeoutMs: 2_000 });
      await expect(failure).rejects.toBeInstanceOf(BusReplyError);
      await expect(failure).rejects.toThrow(/no can do/);
    });

    it('lets one member of a queue group answer each request', async () => {
      const { subject } = names();
      const calls = { a: 0, b: 0 };
      bus.respond(subject('svc'), () => enc(`a${++calls.a}`), { queue: 'svc' });
      bus.respond(subject('svc'), () => enc(`b${++calls.b}`), { queue: 'svc' });
      const replies: string[] = [];
      for (let i = 0; i < 20; i++) replies.push(dec((await bus.request(subject('svc'), enc('?'))).data));
      expect(calls.a + calls.b).toBe(20);
      expect(calls.a).toBeGreaterThan(0);
      expect(calls.b).toBeGreaterThan(0);
      expect(new Set(replies).size).toBe(20);
    });
  });

  describe('key-value', () => {
    it('puts, gets, creates, updates with CAS and deletes', async () => {
      const kv = await bus.kv(`kv_${names().id}`);
      expect(await kv.get('missing')).toBeNull();
      const r1 = await kv.put('room.a', enc('1'));
      const e1 = await kv.get('room.a');
      expect(e1 && { key: e1.key, value: dec(e1.value), revision: e1.revision }).toEqual({
        key: 'room.a',
        value: '1',
        revision: r1,
      });
      await expect(kv.create('room.a', enc('x'))).rejects.toBeInstanceOf(KvConflictError);
      const r2 = await kv.create('room.b', enc('2'));
      expect(r2).toBeGreaterThan(r1);
      await expect(kv.update('room.a', enc('x'), r1 + 100)).rejects.toBeInstanceOf(KvConflictError);
      const r3 = await kv.update('room.a', enc('3'), r1);
      expect(r3).toBeGreaterThan(r2);
      await expect(kv.update('room.a', enc('stale'), r1)).rejects.toBeInstanceOf(KvConflictError);
      expect(dec((await kv.get('room.a'))?.value ?? enc(''))).toBe('3');
      await kv.delete('room.a');
      expect(await kv.get('room.a')).toBeNull();
      // A deleted key can be created again.
      await kv.create('room.a', enc('again'));
      expect(dec((await kv.get('room.a'))?.value ?? enc(''))).toBe('again');
    });

    it('lists keys, optionally by prefix', async () => {
      const kv = await bus.kv(`kv_${names().id}`);
      expect(await kv.keys()).toEqual([]);
      await kv.put('room.a', enc('1'));
      await kv.put('room.b', enc('1'));
      await kv.put('roomy', enc('1'));
      await kv.put('job.1', enc('1'));
      await kv.delete('room.b');
      expect((await kv.keys()).sort()).toEqual(['job.1', 'room.a', 'roomy']);
      expect((await kv.keys('room.')).sort()).toEqual(['room.a']);
      expect((await kv.keys('room')).sort()).toEqual(['room.a', 'roomy']);
    });

    it('lists keys while other keys keep being written', async () => {
      const kv = await bus.kv(`kv_${names().id}`);
      for (let i = 0; i < 30; i++) await kv.put(`k.${i}`, enc('1'));
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing && i < 5000; i++) await kv.put(`k.${i % 40}`, enc(String(i)));
      })();
      const keys = await Promise.race([
        kv.keys('k.'),
        sleep(5_000).then(() => Promise.reject(new Error('keys() stalled'))),
      ]);
      writing = false;
      await writer;
      expect(keys.length).toBeGreaterThanOrEqual(30);
      for (let i = 0; i < 30; i++) expect(keys).toContain(`k.${i}`);
    });

    it('watches later changes of matching keys', async () => {
      const kv = await bus.kv(`kv_${names().id}`);
      await kv.put('room.before', enc('0'));
      const seen: [string, string | null][] = [];
      const all: string[] = [];
      const sub = await kv.watch('room.*', (e: KvEntry | null, key) => void seen.push([key, e ? dec(e.value) : null]));
      const subAll = await kv.watch('>', (_e, key) => void all.push(key));
      await kv.put('room.a', enc('1'));
      await kv.put('other', enc('x'));
      await kv.put('room.a', enc('2'));
      await kv.delete('room.a');
      await waitFor(() => seen.length === 3 && all.length === 4);
      expect(seen).toEqual([
        ['room.a', '1'],
        ['room.a', '2'],
        ['room.a', null],
      ]);
      expect(all).toEqual(['room.a', 'other', 'room.a', 'room.a']);
      await sub.unsubscribe();
      await subAll.unsubscribe();
      await kv.put('room.a', enc('3'));
      await sleep(50);
      expect(seen).toHaveLength(3);
    });

    it('forgets values after the bucket ttl', async () => {
      const kv = await bus.kv(`kv_${names().id}`, { ttlMs: 300 });
      await kv.put('short', enc('lived'));
      expect(await kv.get('short')).not.toBeNull();
      await waitFor(async () => (await kv.get('short')) === null, { timeoutMs: 3_000, intervalMs: 50 });
      expect(await kv.keys()).toEqual([]);
    });

    it('opens the same bucket again with its data', async () => {
      const name = `kv_${names().id}`;
      await (await bus.kv(name, { history: 1 })).put('k', enc('v'));
      expect(dec((await (await bus.kv(name)).get('k'))?.value ?? enc(''))).toBe('v');
    });
  });

  it('fails calls after close', async () => {
    const other = await harness.connect();
    await other.close();
    await expect(other.publish('x.y', enc('1'))).rejects.toThrow(/closed/);
  });
});

describe('NATS only', () => {
  it('works across connections: flush makes a subscription live, workers in two processes compete', async () => {
    const server = await startNatsServer();
    const a = await NatsBus.connect({ servers: server.url, onError: () => {} });
    const b = await NatsBus.connect({ servers: server.url, onError: () => {} });
    try {
      const got: string[] = [];
      a.subscribe('cross.x', (m) => void got.push(dec(m.data)));
      await a.flush();
      await b.publish('cross.x', enc('hi'));
      await waitFor(() => got.length === 1);

      await a.ensureStream({ name: 'CROSS', subjects: ['work.>'] });
      const seen = { a: 0, b: 0 };
      const opts = { stream: 'CROSS', durable: 'w', concurrency: 1 };
      await a.consume(opts, async (m) => {
        seen.a++;
        await sleep(5);
        await m.ack();
      });
      await b.consume(opts, async (m) => {
        seen.b++;
        await sleep(5);
        await m.ack();
      });
      for (let i = 0; i < 20; i++) await b.append('work.item', enc(String(i)));
      await waitFor(() => seen.a + seen.b === 20);
      expect(seen.a).toBeGreaterThan(0);
      expect(seen.b).toBeGreaterThan(0);
    } finally {
      await a.close();
      await b.close();
      await server.stop();
    }
  });

  it('keeps stored streams across a nats-server restart and reconnects', async () => {
    const server = await startNatsServer();
    const bus = await NatsBus.connect({ servers: server.url, onError: () => {} });
    try {
      await bus.ensureStream({ name: 'DURABLE', subjects: ['keep.>'] });
      await bus.append('keep.a', enc('1'));
      await bus.append('keep.a', enc('2'));
      const worked: string[] = [];
      const worker = await bus.consume({ stream: 'DURABLE', durable: 'survivor', ackWaitMs: 1_000 }, async (m) => {
        worked.push(dec(m.data));
        await m.ack();
      });
      await waitFor(() => worked.length === 2);
      await server.restart();
      // A request sent before the client notices the restart is lost (5 s API timeout): give the
      // client its reconnect (250 ms wait) first.
      await sleep(700);
      await waitFor(
        async () => {
          try {
            return (await bus.lastMessage('DURABLE', 'keep.a'))?.seq === 2;
          } catch {
            return false;
          }
        },
        { timeoutMs: 10_000, intervalMs: 100, message: 'stream after restart' },
      );
      expect((await bus.append('keep.a', enc('3'))).seq).toBe(3);
      // The durable consumer (and its progress) survived too, and the worker resumed pulling.
      await waitFor(() => worked.length === 3, { timeoutMs: 8_000, message: 'worker after restart' });
      expect(worked).toEqual(['1', '2', '3']);
      await worker.unsubscribe();
      const got: string[] = [];
      const sub = await bus.replay(
        'DURABLE',
        { from: { kind: 'all' }, live: false },
        (m) => void got.push(dec(m.data)),
      );
      await sub.done;
      expect(got).toEqual(['1', '2', '3']);
    } finally {
      await bus.close();
      await server.stop();
    }
  });
});
