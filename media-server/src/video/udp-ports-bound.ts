import { readFileSync } from 'node:fs';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Waits until UDP sockets are bound on `ports` (Linux /proc/net/udp; elsewhere a short pause):
 * RTP sent before ffmpeg listens would be lost, and the first key frame with it.
 */
export async function waitForUdpPorts(ports: number[], timeoutMs: number): Promise<void> {
  const suffixes = ports.map((p) => `:${p.toString(16).toUpperCase().padStart(4, '0')}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let table: string;
    try {
      table = readFileSync('/proc/net/udp', 'latin1');
    } catch {
      await sleep(300);
      return;
    }
    // the second column is local_address as HEXIP:HEXPORT
    const bound = new Set(table.split('\n').map((l) => l.trim().split(/\s+/)[1]?.slice(-5)));
    if (suffixes.every((s) => bound.has(s))) return;
    if (Date.now() > deadline) throw new Error(`ffmpeg did not bind UDP ports ${ports.join(',')} in ${timeoutMs} ms`);
    await sleep(20);
  }
}
