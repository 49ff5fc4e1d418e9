import { createSocket } from 'node:dgram';

/** A compound RTCP RR + BYE: ffmpeg's RTP demuxer ends the input (EOF) on BYE, finalising outputs. */
export function rtcpBye(ssrc = 0): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 0x80; // V=2, RC=0
  b[1] = 201; // RR (a compound packet must start with SR or RR)
  b.writeUInt16BE(1, 2);
  b.writeUInt32BE(ssrc >>> 0, 4);
  b[8] = 0x81; // V=2, SC=1
  b[9] = 203; // BYE
  b.writeUInt16BE(1, 10);
  b.writeUInt32BE(ssrc >>> 0, 12);
  return b;
}

/** Sends the BYE to both ports, twice to RTCP: a lost datagram would leave ffmpeg waiting. */
export async function sendRtcpBye(address: { ip: string; rtpPort: number; rtcpPort: number }): Promise<void> {
  const socket = createSocket('udp4');
  try {
    const packet = rtcpBye();
    for (const port of [address.rtcpPort, address.rtpPort, address.rtcpPort]) {
      await new Promise<void>((resolve, reject) =>
        socket.send(packet, port, address.ip, (err) => (err ? reject(err) : resolve())),
      );
    }
  } finally {
    socket.close();
  }
}
