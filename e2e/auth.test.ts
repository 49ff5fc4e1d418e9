import { waitFor } from '@mi/bus/testing';
import { type Envelope, streams, subjects } from '@mi/contracts';
import { streamToIngest } from '@mi/media-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';

const tokens = {
  bot: 'bot-token-acme-0123456789',
  viewer: 'viewer-token-acme-0123456789',
  globex: 'operator-token-globex-0123456789',
};

describe('API keys end to end (embedded)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('embedded', {
      ROOM_TOKEN_SECRET: 'auth-test-room-token-secret',
      API_KEYS: `bot1:bot:acme:${tokens.bot},ro:viewer:acme:${tokens.viewer},gx:operator:globex:${tokens.globex}`,
    });
  }, 60_000);
  afterAll(() => h?.stop());

  const send = (token: string | undefined, tenant?: string) =>
    streamToIngest({
      url: `${h.ingestUrl}${token ? `?access_token=${token}` : ''}`,
      hello: {
        room: 'secure',
        participant: { id: 'bot', name: 'Bot' },
        sampleRate: 16000,
        encoding: 'pcm_s16le',
        ...(tenant ? { tenant } : {}),
      },
      pcm: new Int16Array(16000),
      realtime: false,
    });

  it('a bot key publishes audio under its own tenant; no key, a viewer or another tenant cannot', async () => {
    await expect(send(undefined)).rejects.toThrow(/401/);
    expect((await send(tokens.viewer)).closeCode).toBe(4401);
    expect((await send(tokens.bot, 'globex')).closeCode).toBe(4401);
    const ok = await send(tokens.bot);
    expect(ok.closeCode).toBe(1000);
    const events: Envelope[] = [];
    await waitFor(
      async () => {
        events.length = 0;
        const sub = await h.system.bus.replay(
          streams.EVENTS.name,
          { filterSubject: subjects.streamLifecycle('secure', 'bot'), from: { kind: 'all' }, live: false },
          (m) => void events.push(JSON.parse(Buffer.from(m.data).toString('utf8'))),
        );
        await sub.done;
        return events.length === 2;
      },
      { timeoutMs: 5000, intervalMs: 100 },
    );
    expect(events.map((e) => e.tenant)).toEqual(['acme', 'acme']);
  });

  it('REST calls need a key; the console page and health stay public', async () => {
    expect((await fetch(`${h.url}/v1/approvals`)).status).toBe(401);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.url}/`)).status).toBe(200);
    const viewer = { authorization: `Bearer ${tokens.viewer}` };
    expect((await fetch(`${h.url}/v1/approvals`, { headers: viewer })).status).toBe(200);
    const create = await fetch(`${h.url}/v1/webhooks`, {
      method: 'POST',
      headers: { ...viewer, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/x', eventTypes: ['*'] }),
    });
    expect(create.status).toBe(403);
  });
});
