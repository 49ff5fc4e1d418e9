import { describe, expect, it } from 'vitest';
import { JitterBuffer, type JitterRelease } from './jitter-buffer.ts';
import type { RtpPacket } from './rtp-packet.ts';

const pkt = (seq: number): RtpPacket => ({
  payloadType: 111,
  sequenceNumber: seq & 0xffff,
  timestamp: (seq * 960) >>> 0,
  ssrc: 1,
  marker: false,
  payload: Buffer.from([seq & 0xff]),
});
const seqs = (r: JitterRelease[]) => r.map((x) => x.packet.sequenceNumber);

describe('JitterBuffer', () => {
  it('passes in-order packets straight through', () => {
    const jb = new JitterBuffer();
    const out = [1, 2, 3].flatMap((s) => jb.push(pkt(s), 0));
    expect(seqs(out)).toEqual([1, 2, 3]);
    expect(jb.size).toBe(0);
    expect(jb.stats()).toMatchObject({ received: 3, lost: 0, late: 0, duplicates: 0 });
  });

  it('reorders across the 16-bit wrap-around', () => {
    const jb = new JitterBuffer({ maxPackets: 8 });
    const order = [65533, 65535, 65534, 1, 0, 2, 4, 3, 5];
    const out = order.flatMap((s) => jb.push(pkt(s), 0));
    expect(seqs(out)).toEqual([65533, 65534, 65535, 0, 1, 2, 3, 4, 5]);
    expect(out.every((r) => r.lostBefore === 0)).toBe(true);
    expect(jb.stats()).toMatchObject({ received: 9, lost: 0, late: 0 });
  });

  it('declares a hole lost once maxPackets wait behind it', () => {
    const jb = new JitterBuffer({ maxPackets: 3, maxDelayMs: 1e9 });
    expect(seqs(jb.push(pkt(65534), 0))).toEqual([65534]);
    // 65535 and 0 never come.
    expect(jb.push(pkt(1), 0)).toEqual([]);
    expect(jb.push(pkt(2), 0)).toEqual([]);
    expect(jb.push(pkt(3), 0)).toEqual([]);
    const out = jb.push(pkt(4), 0);
    expect(seqs(out)).toEqual([1, 2, 3, 4]);
    expect(out[0]!.lostBefore).toBe(2);
    expect(jb.stats().lost).toBe(2);
    // The missing packet turning up afterwards is late, not a duplicate.
    expect(jb.push(pkt(0), 0)).toEqual([]);
    expect(jb.stats()).toMatchObject({ late: 1, duplicates: 0 });
  });

  it('declares a hole lost after maxDelayMs (poll / nextDeadline)', () => {
    const jb = new JitterBuffer({ maxPackets: 50, maxDelayMs: 100 });
    jb.push(pkt(10), 0);
    expect(jb.push(pkt(12), 5)).toEqual([]);
    expect(jb.push(pkt(13), 30)).toEqual([]);
    expect(jb.nextDeadline()).toBe(105); // the hole has been open since 12 arrived
    expect(jb.poll(104)).toEqual([]);
    const out = jb.poll(105);
    expect(seqs(out)).toEqual([12, 13]);
    expect(out[0]!.lostBefore).toBe(1);
    expect(jb.nextDeadline()).toBeUndefined();
  });

  it('counts duplicates, both buffered and already released', () => {
    const jb = new JitterBuffer();
    jb.push(pkt(100), 0);
    jb.push(pkt(100), 0); // released already
    jb.push(pkt(102), 0);
    jb.push(pkt(102), 0); // still buffered
    expect(seqs(jb.push(pkt(101), 0))).toEqual([101, 102]);
    expect(jb.stats()).toMatchObject({ received: 3, duplicates: 2, late: 0, lost: 0 });
  });

  it('flush releases everything, counting holes', () => {
    const jb = new JitterBuffer({ maxPackets: 10, maxDelayMs: 1e9 });
    jb.push(pkt(1), 0);
    jb.push(pkt(4), 0);
    jb.push(pkt(3), 0);
    const out = jb.flush();
    expect(seqs(out)).toEqual([3, 4]);
    expect(out.map((r) => r.lostBefore)).toEqual([1, 0]);
    expect(jb.stats().lost).toBe(1);
  });

  it('re-synchronises to a restarted sequence only when it continues (RFC 3550 A.1)', () => {
    const jb = new JitterBuffer();
    jb.push(pkt(1000), 0);
    expect(jb.push(pkt(30000), 0)).toEqual([]); // a lone far packet is dropped
    expect(seqs(jb.push(pkt(1001), 0))).toEqual([1001]);
    expect(jb.push(pkt(40000), 0)).toEqual([]);
    expect(seqs(jb.push(pkt(40001), 0))).toEqual([40001]);
    expect(seqs(jb.push(pkt(40002), 0))).toEqual([40002]);
    expect(jb.stats()).toMatchObject({ resyncs: 1, lost: 0, late: 2 });
  });
});
