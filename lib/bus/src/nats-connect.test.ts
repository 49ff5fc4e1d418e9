import { describe, expect, it } from 'vitest';
import { NatsBus } from './nats-bus.ts';
import { startNatsServer } from './testing/nats-server.ts';

describe('NatsBus.connect', () => {
  it('waits for a server that comes up late (services starting before NATS)', async () => {
    const server = await startNatsServer();
    server.kill();
    const connecting = NatsBus.connect({ servers: server.url, connectTimeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 1000));
    await server.restart();
    const bus = await connecting;
    await bus.ensureStream({ name: 'LATE', subjects: ['late.>'] });
    expect((await bus.append('late.1', new Uint8Array([1]))).seq).toBe(1);
    await bus.close();
    await server.stop();
  });

  it('gives up after the timeout with the connection error', async () => {
    const server = await startNatsServer();
    await server.stop();
    const t0 = Date.now();
    await expect(NatsBus.connect({ servers: server.url, connectTimeoutMs: 1200 })).rejects.toThrow();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
  });
});
