import { type Bus, createBus, InProcessBus } from '@mi/bus';
import { type NatsServerHandle, startNatsServer, waitFor } from '@mi/bus/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyIndex } from './key-index.ts';

let server: NatsServerHandle | undefined;
afterAll(async () => {
  await server?.stop();
});

const buses: { name: string; connect(): Promise<Bus> }[] = [
  { name: 'inprocess', connect: async () => new InProcessBus({ onError: () => {} }) },
  {
    name: 'nats',
    connect: async () => {
      server ??= await startNatsServer();
      return createBus({ natsUrl: server.url, onError: () => {} });
    },
  },
];

describe.each(buses)('KeyIndex: $name', ({ connect }) => {
  it('loads existing keys and follows writes made elsewhere', async () => {
    const bus = await connect();
    const kv = await bus.kv('key-index-test');
    await kv.put('wh_a.1', new Uint8Array([1]));
    await kv.put('wh_b.1', new Uint8Array([1]));
    const index = await KeyIndex.open(kv);
    expect(index.list()).toEqual(['wh_a.1', 'wh_b.1']);

    await kv.put('wh_a.2', new Uint8Array([2]));
    await kv.delete('wh_b.1');
    await waitFor(() => index.list().join() === 'wh_a.1,wh_a.2', { message: 'watched changes' });
    expect(index.list('wh_a.')).toEqual(['wh_a.1', 'wh_a.2']);
    expect(index.list('wh_b.')).toEqual([]);

    await index.close();
    await bus.close();
  });
});
