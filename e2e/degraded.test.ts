import { appConfigFromEnv, startSystem } from '@mi/app';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';

describe('without a usable mediasoup worker', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('embedded', { MEDIASOUP_WORKER_BIN: '/nonexistent/mediasoup-worker' });
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('starts everything else and says the SFU is off', async () => {
    expect(h.system.sfu).toBeUndefined();
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(200);
    const { checks } = (await ready.json()) as { checks: Record<string, boolean> };
    expect(checks).toMatchObject({ bus: true, asr: true });
    expect(checks).not.toHaveProperty('sfu');
    // The WS ingest and the gateway still serve; the signaling route is absent.
    const summary = await fetch(`${h.url}/v1/rooms/nobody/summary`);
    expect(summary.status).toBe(404);
    const sfu = await fetch(`${h.url}/v1/sfu`);
    expect(sfu.status).toBe(404);
  });
});

describe('a shared deployment', () => {
  it('refuses to start with API keys but the development room-token secret', async () => {
    const env = { API_KEYS: 'a:admin:t:0123456789abcdef0123', PORT: '0', DATA_DIR: '/nonexistent-never-created' };
    await expect(startSystem(appConfigFromEnv(env), env)).rejects.toThrow(/ROOM_TOKEN_SECRET must be set/);
  });
});
