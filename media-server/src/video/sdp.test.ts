import { describe, expect, it } from 'vitest';
import { findFreeUdpPortPair } from './free-port.ts';
import { buildVideoSdp, fmtpLine } from './sdp.ts';

describe('buildVideoSdp', () => {
  it('describes one VP8 stream on 127.0.0.1 with RTCP on the next port', () => {
    const sdp = buildVideoSdp({ codec: { mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }, rtpPort: 40000 });
    expect(sdp.split('\r\n')).toEqual([
      'v=0',
      'o=- 0 0 IN IP4 127.0.0.1',
      's=mediaintel video tap',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=video 40000 RTP/AVP 101',
      'a=rtcp:40001 IN IP4 127.0.0.1',
      'a=rtpmap:101 VP8/90000',
      'a=recvonly',
      '',
    ]);
  });

  it('passes H264 fmtp parameters (packetization-mode 1 by default)', () => {
    const codec = {
      mimeType: 'video/H264' as const,
      payloadType: 102,
      clockRate: 90000,
      parameters: { 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
    };
    expect(fmtpLine(codec)).toBe('profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1');
    expect(buildVideoSdp({ codec, rtpPort: 50000 })).toContain(
      'a=rtpmap:102 H264/90000\r\na=fmtp:102 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1\r\n',
    );
  });

  it('refuses unsupported codecs, bad numbers and values that could inject SDP lines', () => {
    const vp8 = { mimeType: 'video/VP8' as const, payloadType: 101, clockRate: 90000 };
    expect(() => buildVideoSdp({ codec: { ...vp8, mimeType: 'video/AV1' as 'video/VP8' }, rtpPort: 40000 })).toThrow(
      /unsupported/,
    );
    expect(() => buildVideoSdp({ codec: { ...vp8, payloadType: 128 }, rtpPort: 40000 })).toThrow(/payload type/);
    expect(() => buildVideoSdp({ codec: vp8, rtpPort: 70000 })).toThrow(/port/);
    expect(() => buildVideoSdp({ codec: { ...vp8, parameters: { x: '1\r\na=evil' } }, rtpPort: 40000 })).toThrow(
      /unsafe/,
    );
  });
});

describe('findFreeUdpPortPair', () => {
  it('returns an even port and its successor inside the range', async () => {
    const { rtpPort, rtcpPort } = await findFreeUdpPortPair({ min: 41000, max: 42000 });
    expect(rtpPort % 2).toBe(0);
    expect(rtcpPort).toBe(rtpPort + 1);
    expect(rtpPort).toBeGreaterThanOrEqual(41000);
    expect(rtpPort).toBeLessThan(42000);
  });
});
