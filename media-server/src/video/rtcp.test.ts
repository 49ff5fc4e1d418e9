import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { rtcpBye, sendRtcpBye } from './rtcp.ts';

describe('RTCP BYE', () => {
  it('builds an RTCP RR + BYE that ffmpeg accepts (>= 12 bytes)', () => {
    const b = rtcpBye(1234);
    expect(b.length).toBe(16);
    expect([b[1], b[9]]).toEqual([201, 203]);
    expect(b.readUInt32BE(12)).toBe(1234);
  });

  it('sends it to the RTCP and the RTP port', async () => {
    const listen = () =>
      new Promise<ReturnType<typeof createSocket>>((resolve) => {
        const s = createSocket('udp4');
        s.bind(0, '127.0.0.1', () => resolve(s));
      });
    const rtp = await listen();
    const rtcp = await listen();
    const got: string[] = [];
    rtp.on('message', () => got.push('rtp'));
    rtcp.on('message', () => got.push('rtcp'));
    await sendRtcpBye({ ip: '127.0.0.1', rtpPort: rtp.address().port, rtcpPort: rtcp.address().port });
    const deadline = Date.now() + 2000;
    while (got.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    rtp.close();
    rtcp.close();
    expect(got.sort()).toEqual(['rtcp', 'rtcp', 'rtp']);
  });
});
