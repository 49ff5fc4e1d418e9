/** One RTP packet (RFC 3550). `payload` is a view into the datagram it was parsed from (no copy). */
export type RtpPacket = {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payload: Buffer;
};

const FIXED_HEADER = 12;

/**
 * Parses an RTP packet; undefined for RTCP (rtcp-mux puts both on one port), other
 * versions, and anything truncated or inconsistent, so a hostile datagram can't throw.
 */
export function parseRtp(buf: Buffer): RtpPacket | undefined {
  if (buf.length < FIXED_HEADER) return undefined;
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  if (b0 >> 6 !== 2) return undefined;
  // RFC 5761 §4: second byte 192..223 is RTCP (SR 200, RR 201, SDES 202, BYE 203, APP 204, feedback 205/206, ...).
  if (b1 >= 192 && b1 <= 223) return undefined;
  let offset = FIXED_HEADER + 4 * (b0 & 0x0f); // skip CSRC list
  if ((b0 & 0x10) !== 0) {
    // Header extension: 16-bit profile, 16-bit length in 32-bit words, then the data.
    if (buf.length < offset + 4) return undefined;
    offset += 4 + 4 * buf.readUInt16BE(offset + 2);
  }
  let end = buf.length;
  if ((b0 & 0x20) !== 0) {
    // Padding: the last octet counts the padding octets, itself included.
    const pad = buf[buf.length - 1]!;
    if (pad === 0) return undefined;
    end -= pad;
  }
  if (offset > end) return undefined;
  return {
    payloadType: b1 & 0x7f,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    marker: (b1 & 0x80) !== 0,
    payload: buf.subarray(offset, end),
  };
}

/** Serialises a packet with a plain 12-byte header (no CSRC, extension or padding): for tests and relays. */
export function encodeRtp(p: RtpPacket): Buffer {
  const out = Buffer.allocUnsafe(FIXED_HEADER + p.payload.length);
  out[0] = 0x80;
  out[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  out.writeUInt16BE(p.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(p.timestamp >>> 0, 4);
  out.writeUInt32BE(p.ssrc >>> 0, 8);
  p.payload.copy(out, FIXED_HEADER);
  return out;
}
