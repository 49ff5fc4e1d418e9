import { createSocket } from 'node:dgram';

export interface UdpPortPair {
  /** Even port for RTP. */
  rtpPort: number;
  /** rtpPort + 1, for RTCP. */
  rtcpPort: number;
}

function tryBind(host: string, port: number): Promise<(() => Promise<void>) | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const close = () => new Promise<void>((done) => socket.close(() => done()));
    socket.once('error', () => {
      try {
        socket.close();
      } catch {
        // already closed
      }
      resolve(undefined);
    });
    socket.bind({ address: host, port, exclusive: true }, () => resolve(close));
  });
}

/**
 * Finds an even UDP port whose successor is free too, on `host` (default 127.0.0.1), by binding
 * both and releasing them. Ports are drawn at random from [min, max) (default 20000-59998) to stay
 * clear of the kernel's ephemeral range. Another process could take them before the caller binds:
 * callers bind at once and retry on failure.
 */
export async function findFreeUdpPortPair(
  opts: { host?: string; min?: number; max?: number; attempts?: number } = {},
): Promise<UdpPortPair> {
  const host = opts.host ?? '127.0.0.1';
  const min = opts.min ?? 20000;
  const max = opts.max ?? 59998;
  const attempts = opts.attempts ?? 64;
  for (let i = 0; i < attempts; i++) {
    const base = min + (min % 2);
    const even = base + 2 * Math.floor(Math.random() * Math.max(1, Math.floor((max - base) / 2)));
    const first = await tryBind(host, even);
    if (!first) continue;
    const second = await tryBind(host, even + 1);
    await first();
    if (!second) continue;
    await second();
    return { rtpPort: even, rtcpPort: even + 1 };
  }
  throw new Error(`no free UDP port pair on ${host} after ${attempts} attempts`);
}
