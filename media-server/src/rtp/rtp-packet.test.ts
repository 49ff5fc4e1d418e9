import { describe, expect, it } from 'vitest';
import { encodeRtp, parseRtp } from './rtp-packet.ts';

const header = (b0: number, b1: number) => {
  const h = Buffer.alloc(12);
  h[0] = b0;
  h[1] = b1;
  h.writeUInt16BE(0xfffe, 2);
  h.writeUInt32BE(0xdeadbeef, 4);
  h.writeUInt32BE(0x01020304, 8);
  return h;
};
const payload = Buffer.from([0xfc, 1, 2, 3, 4]);

describe('parseRtp', () => {
  it('reads the fixed header', () => {
    const p = parseRtp(Buffer.concat([header(0x80, 0x80 | 100), payload]))!;
    expect(p).toMatchObject({ payloadType: 100, sequenceNumber: 0xfffe, timestamp: 0xdeadbeef, ssrc: 0x01020304 });
    expect(p.marker).toBe(true);
    expect([...p.payload]).toEqual([...payload]);
    expect(parseRtp(Buffer.concat([header(0x80, 111), payload]))!.marker).toBe(false);
  });

  it('skips the CSRC list', () => {
    const csrcs = Buffer.alloc(8, 0xaa);
    const p = parseRtp(Buffer.concat([header(0x82, 100), csrcs, payload]))!;
    expect([...p.payload]).toEqual([...payload]);
    expect(parseRtp(Buffer.concat([header(0x83, 100), csrcs]))).toBeUndefined(); // list runs past the end
  });

  it('skips a header extension (one-byte form, 2 words)', () => {
    const ext = Buffer.from([0xbe, 0xde, 0x00, 0x02, 0x10, 0xff, 0x22, 0x01, 0x02, 0, 0, 0]);
    const p = parseRtp(Buffer.concat([header(0x90, 100), ext, payload]))!;
    expect([...p.payload]).toEqual([...payload]);
    const tooLong = Buffer.from([0xbe, 0xde, 0x00, 0x09, 0, 0, 0, 0]);
    expect(parseRtp(Buffer.concat([header(0x90, 100), tooLong]))).toBeUndefined();
    expect(parseRtp(Buffer.concat([header(0x90, 100), Buffer.from([0xbe, 0xde])]))).toBeUndefined();
  });

  it('strips padding', () => {
    const p = parseRtp(Buffer.concat([header(0xa0, 100), payload, Buffer.from([0, 0, 3])]))!;
    expect([...p.payload]).toEqual([...payload]);
    expect(parseRtp(Buffer.concat([header(0xa0, 100), payload, Buffer.from([0])]))).toBeUndefined();
    expect(parseRtp(Buffer.concat([header(0xa0, 100), Buffer.from([0, 40])]))).toBeUndefined();
  });

  it('handles CSRC + extension + padding together', () => {
    const csrc = Buffer.alloc(4, 1);
    const ext = Buffer.from([0x10, 0x00, 0x00, 0x01, 9, 9, 9, 9]);
    const p = parseRtp(Buffer.concat([header(0xb1, 0x80 | 100), csrc, ext, payload, Buffer.from([0, 2])]))!;
    expect([...p.payload]).toEqual([...payload]);
    expect(p.payload.length).toBe(5);
  });

  it('rejects RTCP (rtcp-mux), other versions and short datagrams', () => {
    for (const type of [200, 201, 202, 203, 204, 205, 206]) {
      expect(parseRtp(Buffer.concat([header(0x81, type), Buffer.alloc(16)]))).toBeUndefined();
    }
    expect(parseRtp(Buffer.concat([header(0x40, 100), payload]))).toBeUndefined();
    expect(parseRtp(Buffer.alloc(11, 0x80))).toBeUndefined();
    expect(parseRtp(Buffer.alloc(0))).toBeUndefined();
    // An empty payload is still RTP.
    expect(parseRtp(header(0x80, 100))!.payload.length).toBe(0);
  });

  it('round-trips encodeRtp', () => {
    const p = { payloadType: 111, sequenceNumber: 65535, timestamp: 4294967295, ssrc: 7, marker: true, payload };
    expect(parseRtp(encodeRtp(p))).toEqual(p);
  });
});
