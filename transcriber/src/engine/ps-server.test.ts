import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PS_SERVER } from './pocketsphinx.ts';
import { cmnBytes, DecodeMode, encodeHeader, type Frame, FrameReader, Op, parseFinal } from './ps-protocol.ts';

/** Raw protocol client: lets the test send frames the engine itself never would. */
function rawServer(args: string[]) {
  const proc = spawn(DEFAULT_PS_SERVER, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const reader = new FrameReader();
  const frames: Frame[] = [];
  let wake = () => {};
  proc.stdout.on('data', (c: Buffer) => {
    frames.push(...reader.push(c));
    wake();
  });
  proc.stderr.resume();
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    send(op: number, sid: number, flags = 0, payload: Buffer = Buffer.alloc(0)) {
      const h = encodeHeader(Op.start, sid, flags, payload.length);
      h.writeUInt8(op, 0); // any op value, including invalid ones
      proc.stdin.write(h);
      if (payload.length) proc.stdin.write(payload);
    },
    async next(): Promise<Frame> {
      while (frames.length === 0) await new Promise<void>((r) => (wake = r));
      return frames.shift()!;
    },
    async close(): Promise<number | null> {
      proc.stdin.end();
      return exited;
    },
  };
}

describe('ps-server protocol', () => {
  it('answers bad input with errors and keeps serving', async () => {
    const s = rawServer(['-max_sessions', '2', '-max_idle', '1']);
    const ready = await s.next();
    expect(ready.op).toBe(Op.ready);
    expect(JSON.parse(ready.payload.toString())).toMatchObject({ engine: 'pocketsphinx', max_sessions: 2 });

    s.send(0x42, 7);
    s.send(Op.audio, 99, 0, Buffer.alloc(10)); // unknown session: no response
    s.send(Op.end, 99);
    s.send(Op.start, 1, 9); // bad mode
    s.send(Op.start, 1, DecodeMode.live);
    s.send(Op.start, 1, DecodeMode.live); // duplicate
    s.send(Op.start, 2, DecodeMode.hybrid);
    s.send(Op.start, 3, DecodeMode.batch); // over the limit
    s.send(Op.audio, 1, 0, Buffer.alloc(3)); // half a sample
    s.send(Op.partial, 1);
    s.send(Op.end, 1);
    s.send(Op.abort, 2);
    s.send(Op.audio, 4, 0, Buffer.alloc(17 * 1024 * 1024)); // over the 16 MiB frame limit: skipped

    const expected: Array<[number, number, RegExp]> = [
      [0x42, 1, /unknown op/],
      [Op.end, 1, /unknown session 99/],
      [Op.start, 1, /unknown mode/],
      [Op.start, 0, /^$/],
      [Op.start, 1, /already started/],
      [Op.start, 0, /^$/],
      [Op.start, 1, /too many sessions/],
      [Op.partial, 1, /whole 16-bit samples/],
      [Op.end, 1, /whole 16-bit samples/],
      [Op.abort, 0, /^$/],
    ];
    for (const [op, status, text] of expected) {
      const f = await s.next();
      expect([f.op, f.status]).toEqual([op, status]);
      expect(f.payload.toString()).toMatch(text);
    }

    // Still healthy: a normal batch session decodes (silence gives no words).
    s.send(Op.start, 5, DecodeMode.batch);
    s.send(Op.audio, 5, 0, Buffer.alloc(32_000));
    s.send(Op.end, 5);
    expect((await s.next()).status).toBe(0);
    const end = await s.next();
    expect(end.status).toBe(0);
    expect(parseFinal(end.payload)).toMatchObject({ text: '', words: [], confidence: 0, audioMs: 1000 });
    s.send(Op.stats, 0);
    expect(JSON.parse((await s.next()).payload.toString())).toMatchObject({ sessions: 0, share_lm: true });
    expect(await s.close()).toBe(0);
  });

  it('takes a CMN mean in START and returns the updated one in END (LIVE/HYBRID)', async () => {
    const s = rawServer(['-max_sessions', '2', '-max_idle', '1']);
    const ready = JSON.parse((await s.next()).payload.toString()) as { cmn_veclen: number };
    expect(ready.cmn_veclen).toBe(13);
    s.send(Op.start, 1, DecodeMode.live, cmnBytes([1, 2, 3])); // wrong length
    s.send(Op.start, 2, DecodeMode.live, Buffer.alloc(13 * 4 + 1));
    s.send(Op.start, 3, DecodeMode.hybrid, cmnBytes([...Array(12).fill(0), Number.NaN]));
    s.send(Op.start, 4, DecodeMode.live, cmnBytes(Array(13).fill(1e6)));
    for (const text of [/13 float32 values/, /13 float32 values/, /value 12 is not a finite/, /value 0 is not/]) {
      const f = await s.next();
      expect([f.op, f.status]).toEqual([Op.start, 1]);
      expect(f.payload.toString()).toMatch(text);
    }
    // A valid mean: silence adds no speech frames, so END hands the same mean back (float32-exact).
    const mean = [41.5, -5.25, -0.125, 5, 2.5, -4, -1.5, -1.75, -5, -2, -6.5, -1.5, 1.25];
    for (const mode of [DecodeMode.live, DecodeMode.hybrid]) {
      s.send(Op.start, 5, mode, cmnBytes(mean));
      s.send(Op.audio, 5, 0, Buffer.alloc(32_000));
      s.send(Op.end, 5);
      expect((await s.next()).status).toBe(0);
      const end = await s.next();
      expect(end.status).toBe(0);
      expect(parseFinal(end.payload)).toMatchObject({ text: '', cmn: mean });
    }
    // BATCH accepts (and ignores) a mean; its result carries none.
    s.send(Op.start, 6, DecodeMode.batch, cmnBytes(mean));
    s.send(Op.end, 6);
    expect((await s.next()).status).toBe(0);
    expect(parseFinal((await s.next()).payload).cmn).toBeUndefined();
    expect(await s.close()).toBe(0);
  });

  it('fails fast on a bad model path or option', async () => {
    expect(await rawServer(['-hmm', '/nonexistent']).close()).not.toBe(0);
    expect(await rawServer(['-no_such_option', '1']).close()).toBe(64);
  });
});
