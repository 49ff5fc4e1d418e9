/**
 * SDP for ffmpeg's `sdp` demuxer: one RTP video stream sent to a local port (RTCP on its own
 * port, no rtcp-mux), as a mediasoup PlainTransport (rtcpMux: false, comedia: false) sends it.
 */

export type VideoMimeType = 'video/VP8' | 'video/VP9' | 'video/H264';

/** The codec of the RTP stream, as mediasoup describes it (RtpCodecParameters). */
export interface RtpVideoCodec {
  mimeType: VideoMimeType;
  payloadType: number;
  clockRate: number;
  /** fmtp parameters, e.g. `{ 'packetization-mode': 1, 'profile-level-id': '42e01f' }`. */
  parameters?: Record<string, unknown>;
}

export interface VideoSdpOptions {
  codec: RtpVideoCodec;
  /** Even port the RTP packets arrive on. */
  rtpPort: number;
  /** Port of RTCP (default rtpPort + 1; ffmpeg always uses rtpPort + 1). */
  rtcpPort?: number;
  /** Address the packets are sent to (default 127.0.0.1). */
  ip?: string;
  sessionName?: string;
}

const ENCODING: Record<VideoMimeType, string> = {
  'video/VP8': 'VP8',
  'video/VP9': 'VP9',
  'video/H264': 'H264',
};

/** fmtp keys and values are copied into the SDP: nothing that could start a new line or attribute. */
const SAFE_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const SAFE_VALUE = /^[A-Za-z0-9_.,+/=:-]{0,512}$/;

/** The mime types the tap accepts (ffmpeg 5.1 has RTP depacketizers for these). */
export function isSupportedVideoMimeType(mimeType: string): mimeType is VideoMimeType {
  return Object.hasOwn(ENCODING, mimeType);
}

/** `a=fmtp` value for the codec, or undefined when there is nothing to say. */
export function fmtpLine(codec: RtpVideoCodec): string | undefined {
  const params: Record<string, unknown> = { ...(codec.parameters ?? {}) };
  if (codec.mimeType === 'video/H264' && params['packetization-mode'] === undefined) {
    params['packetization-mode'] = 1;
  }
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
    if (!SAFE_KEY.test(key) || !SAFE_VALUE.test(text)) {
      throw new Error(`unsafe fmtp parameter ${JSON.stringify(key)}=${JSON.stringify(text)}`);
    }
    parts.push(`${key}=${text}`);
  }
  return parts.length > 0 ? parts.join(';') : undefined;
}

/** Builds the SDP text; throws on an unsupported codec or invalid numbers. */
export function buildVideoSdp(opts: VideoSdpOptions): string {
  const { codec, rtpPort } = opts;
  const rtcpPort = opts.rtcpPort ?? rtpPort + 1;
  const ip = opts.ip ?? '127.0.0.1';
  if (!isSupportedVideoMimeType(codec.mimeType)) throw new Error(`unsupported video codec ${codec.mimeType}`);
  if (!Number.isInteger(codec.payloadType) || codec.payloadType < 0 || codec.payloadType > 127) {
    throw new Error(`invalid payload type ${codec.payloadType}`);
  }
  if (!Number.isInteger(codec.clockRate) || codec.clockRate <= 0)
    throw new Error(`invalid clock rate ${codec.clockRate}`);
  for (const port of [rtpPort, rtcpPort]) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid port ${port}`);
  }
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) throw new Error(`invalid IPv4 address ${ip}`);
  const name = (opts.sessionName ?? 'mediaintel video tap').replace(/[^\x20-\x7e]/g, ' ');
  const pt = codec.payloadType;
  const lines = [
    'v=0',
    `o=- 0 0 IN IP4 ${ip}`,
    `s=${name}`,
    `c=IN IP4 ${ip}`,
    't=0 0',
    `m=video ${rtpPort} RTP/AVP ${pt}`,
    `a=rtcp:${rtcpPort} IN IP4 ${ip}`,
    `a=rtpmap:${pt} ${ENCODING[codec.mimeType]}/${codec.clockRate}`,
  ];
  const fmtp = fmtpLine(codec);
  if (fmtp) lines.push(`a=fmtp:${pt} ${fmtp}`);
  lines.push('a=recvonly');
  return `${lines.join('\r\n')}\r\n`;
}
