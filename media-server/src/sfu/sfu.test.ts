import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import websocket from '@fastify/websocket';
import { type RoomTokenClaims, sfuCloseCodes, sfuPath } from '@mi/contracts';
import { createLogger, createMetrics } from '@mi/telemetry';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { publishFileOverRtp } from '../client/rtp-publisher.ts';
import { SignalingClient } from '../client/signaling-client.ts';
import { SfuConfigSchema, sfuConfigFromEnv } from './config.ts';
import { signRoomToken } from './room-token.ts';
import { createSfu, type Sfu } from './sfu.ts';
import { sfuSignalingPlugin } from './signaling.ts';
import type { MediaTaps, TapTarget } from './taps.ts';

const secret = 'test-room-token-secret-0123456789';
let app: FastifyInstance;
let sfu: Sfu;
let base: string;
let dir: string;
let wav: string;
const metrics = createMetrics({ defaultMetrics: false });
const attached: TapTarget[] = [];
const closedTaps: string[] = [];

// Records what the SFU asks its taps to do, without the pipeline behind them.
const taps: MediaTaps = {
  async attach(target) {
    attached.push(target);
    return {
      kind: target.producer.kind,
      close: async (reason) => void closedTaps.push(`${target.producer.id}:${reason}`),
    };
  },
};

function token(over: Partial<RoomTokenClaims> & { participant?: RoomTokenClaims['participant'] } = {}): string {
  return signRoomToken(
    {
      v: 1,
      room: 'r1',
      tenant: 't1',
      participant: { id: 'alice', name: 'Alice' },
      publish: true,
      exp: Math.floor(Date.now() / 1000) + 60,
      ...over,
    },
    secret,
  );
}

const urlFor = (t: string) => `${base}${sfuPath}?token=${encodeURIComponent(t)}`;

async function joined(over: Parameters<typeof token>[0] = {}): Promise<SignalingClient> {
  const c = await SignalingClient.connect(urlFor(token(over)));
  const { rtpCapabilities } = await c.request('getRouterRtpCapabilities', {});
  await c.request('join', { rtpCapabilities });
  return c;
}

function closeOf(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('close', (code) => resolve(code));
    ws.on('error', () => undefined);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sfu-test-'));
  wav = join(dir, 'tone.wav');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-ar', '48000', wav]);
  const config = { ...sfuConfigFromEnv({}), workers: 1, tokenSecret: secret, emptyRoomTimeoutMs: 0 };
  sfu = await createSfu({
    config,
    logger: createLogger({ service: 'test', level: 'silent' }),
    metrics,
    taps,
  });
  app = Fastify();
  await app.register(websocket);
  await app.register(sfuSignalingPlugin, sfu.signaling);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address() as { port: number };
  base = `ws://127.0.0.1:${addr.port}`;
});

afterAll(async () => {
  await app?.close();
  await sfu?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SFU config', () => {
  it('reads the environment and rejects a port range upside down', () => {
    expect(sfuConfigFromEnv({ MEDIASOUP_WORKERS: '3' }).workers).toBe(3);
    expect(() => sfuConfigFromEnv({ SFU_RTC_MIN_PORT: '50000', SFU_RTC_MAX_PORT: '40000' })).toThrow(/MIN_PORT/);
    expect(() => sfuConfigFromEnv({ SFU_TAP_MIN_PORT: '45000' })).toThrow(/overlaps/);
    expect(SfuConfigSchema.properties.tokenSecret.minLength).toBe(16);
  });
});

describe('SFU signaling: authentication', () => {
  it('refuses a socket without a valid token (4401)', async () => {
    expect(await closeOf(`${base}${sfuPath}`)).toBe(sfuCloseCodes.unauthorized);
    expect(await closeOf(urlFor(`${token()}x`))).toBe(sfuCloseCodes.unauthorized);
    expect(await closeOf(urlFor(signRoomToken(JSON.parse('{"v":1}') as RoomTokenClaims, secret)))).toBe(
      sfuCloseCodes.unauthorized,
    );
    expect(await closeOf(urlFor(token({ exp: Math.floor(Date.now() / 1000) - 5 })))).toBe(sfuCloseCodes.unauthorized);
    expect(
      await closeOf(urlFor(signRoomToken(JSON.parse(atob(token().split('.')[0]!)), 'another-secret-xxxxxxxx'))),
    ).toBe(sfuCloseCodes.unauthorized);
  });

  it('keeps a room to the tenant that opened it', async () => {
    const a = await joined({ room: 'tenancy' });
    expect(
      await closeOf(urlFor(token({ room: 'tenancy', tenant: 'other', participant: { id: 'eve', name: 'Eve' } }))),
    ).toBe(sfuCloseCodes.unauthorized);
    a.close();
  });
});

describe('SFU signaling: malformed and out-of-order messages', () => {
  it('answers each with an error code and keeps serving the socket', async () => {
    const c = await SignalingClient.connect(urlFor(token({ room: 'bad-msgs' })));
    const answers: { id: unknown; ok: boolean; error?: { code: string } }[] = [];
    c.socket.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.type === 'response') answers.push(m);
    });
    c.socket.send('not json');
    c.socket.send(JSON.stringify({ type: 'request', id: 'x', method: 'join' }));
    c.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    await expect(c.raw('fly', {})).rejects.toMatchObject({ code: 'ERR_UNKNOWN_METHOD' });
    await expect(c.raw('produce', { transportId: 't', kind: 'audio', rtpParameters: {} })).rejects.toMatchObject({
      code: 'ERR_NOT_JOINED',
    });
    await expect(c.raw('consume', { transportId: 't' })).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    await expect(c.raw('createWebRtcTransport', { direction: 'sideways' })).rejects.toMatchObject({
      code: 'ERR_BAD_REQUEST',
    });
    await expect(c.raw('join', { rtpCapabilities: {}, extra: 1 })).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect(answers.slice(0, 3).map((a) => [a.id, a.error?.code])).toEqual([
      [null, 'ERR_BAD_REQUEST'],
      [null, 'ERR_BAD_REQUEST'],
      [null, 'ERR_BAD_REQUEST'],
    ]);
    // Still alive: the normal sequence works on the same socket.
    const { rtpCapabilities } = await c.request('getRouterRtpCapabilities', {});
    expect(rtpCapabilities).toHaveProperty('codecs');
    await c.request('join', { rtpCapabilities });
    await expect(c.request('join', { rtpCapabilities })).rejects.toMatchObject({ code: 'ERR_ALREADY_JOINED' });
    await expect(
      c.request('connectWebRtcTransport', { transportId: 'nope', dtlsParameters: {} }),
    ).rejects.toMatchObject({
      code: 'ERR_NOT_FOUND',
    });
    await expect(c.request('resumeConsumer', { consumerId: 'nope' })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    const t = await c.request('createPlainTransport', {});
    await expect(
      c.request('produce', { transportId: t.id, kind: 'audio', rtpParameters: { codecs: [], encodings: [] } }),
    ).rejects.toMatchObject({ code: 'ERR_MEDIA_REJECTED' });
    c.close();
  });

  it('does not let a receive-only token publish', async () => {
    const c = await joined({ room: 'viewers', publish: false, participant: { id: 'vic', name: 'Vic' } });
    await expect(c.request('createPlainTransport', {})).rejects.toMatchObject({ code: 'ERR_FORBIDDEN' });
    await expect(c.request('createWebRtcTransport', { direction: 'send' })).rejects.toMatchObject({
      code: 'ERR_FORBIDDEN',
    });
    const recv = await c.request('createWebRtcTransport', { direction: 'recv' });
    expect(recv.iceCandidates.length).toBeGreaterThan(0);
    c.close();
  });
});

describe('SFU rooms', () => {
  it('announces peers and producers, taps RTP-ingested audio, and cleans up on leave', async () => {
    const room = 'meeting-1';
    const alice = await joined({ room });
    const bobJoined = alice.next('peerJoined');
    const bob = await joined({ room, participant: { id: 'bob', name: 'Bob' } });
    expect((await bobJoined).peer).toMatchObject({ id: 'bob', name: 'Bob' });

    const announced = alice.next('newProducer');
    const pub = await publishFileOverRtp(bob, { file: wav, audio: true });
    const np = await announced;
    expect(np).toMatchObject({ peerId: 'bob', kind: 'audio', source: 'file' });
    expect(attached.find((t) => t.producer.id === np.producerId)?.participant).toEqual({ id: 'bob', name: 'Bob' });

    // Real RTP reached the producer.
    let bytes = 0;
    for (let i = 0; i < 50 && bytes === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const { stats } = await bob.request('getStats', { id: np.producerId });
      bytes = Number((stats[0] as { byteCount?: number } | undefined)?.byteCount ?? 0);
    }
    expect(bytes).toBeGreaterThan(0);

    // A late joiner learns about existing producers in the join answer.
    const carol = await SignalingClient.connect(urlFor(token({ room, participant: { id: 'carol', name: 'Carol' } })));
    const { rtpCapabilities } = await carol.request('getRouterRtpCapabilities', {});
    const j = await carol.request('join', { rtpCapabilities });
    expect(j.peers.map((p) => p.id).sort()).toEqual(['alice', 'bob']);
    expect(j.peers.find((p) => p.id === 'bob')?.producers).toEqual([
      { id: np.producerId, kind: 'audio', source: 'file', paused: false },
    ]);
    await pub.stop();

    const left = alice.next('peerLeft');
    const closed = alice.next('producerClosed');
    await bob.request('leave', {});
    expect(await left).toEqual({ peerId: 'bob' });
    expect(await closed).toEqual({ peerId: 'bob', producerId: np.producerId });
    await new Promise((r) => setTimeout(r, 50));
    expect(closedTaps).toContain(`${np.producerId}:producer closed`);
    alice.close();
    carol.close();
  });

  it('replaces an older connection of the same participant (4409), but only for the same caller', async () => {
    const first = await joined({ room: 'dupe', sub: 'key-1' });
    const impostor = await SignalingClient.connect(urlFor(token({ room: 'dupe', sub: 'key-2' })));
    const { rtpCapabilities } = await impostor.request('getRouterRtpCapabilities', {});
    await expect(impostor.request('join', { rtpCapabilities })).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    expect(first.closeCode).toBeUndefined();
    const closed = new Promise<number>((r) => first.once('close', (code) => r(code)));
    const second = await joined({ room: 'dupe', sub: 'key-1' });
    expect(await closed).toBe(sfuCloseCodes.replaced);
    second.close();
    impostor.close();
  });

  it('holds per-peer limits under concurrent requests and consumes a producer once', async () => {
    const a = await joined({ room: 'limits' });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => a.request('createPlainTransport', {})));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(
      Array(6).fill('ERR_TOO_MANY'),
    );
    const b = await joined({ room: 'limits', participant: { id: 'bob', name: 'Bob' } });
    const np = b.next('newProducer');
    const t = results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ id: string }>;
    const { producerId } = await a.request('produce', {
      transportId: t.value.id,
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }],
        encodings: [{ ssrc: 1234 }],
      },
    });
    await np;
    const recv = await b.request('createWebRtcTransport', { direction: 'recv' });
    await b.request('consume', { transportId: recv.id, producerId });
    await expect(b.request('consume', { transportId: recv.id, producerId })).rejects.toMatchObject({
      code: 'ERR_CONFLICT',
    });
    a.close();
    b.close();
  });

  it('keeps two rooms apart', async () => {
    const a = await joined({ room: 'room-a' });
    const b = await joined({ room: 'room-b', participant: { id: 'bob', name: 'Bob' } });
    let crossTalk = false;
    a.on('peerJoined', () => {
      crossTalk = true;
    });
    await joined({ room: 'room-b', participant: { id: 'carl', name: 'Carl' } }).then((c) => c.close());
    await new Promise((r) => setTimeout(r, 100));
    expect(crossTalk).toBe(false);
    a.close();
    b.close();
  });

  it('resets rooms on a worker that died (4503) and serves the rejoin on its replacement', async () => {
    const c = await joined({ room: 'crashy' });
    const before = sfu.pool.workers[0]!;
    const closed = new Promise<number>((r) => c.once('close', (code) => r(code)));
    process.kill(before.pid, 'SIGKILL');
    expect(await closed).toBe(sfuCloseCodes.roomReset);
    for (let i = 0; i < 50 && (sfu.pool.workers[0] === before || !sfu.pool.workers[0]); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(sfu.pool.workers[0]?.pid).not.toBe(before.pid);
    const again = await joined({ room: 'crashy' });
    const t = await again.request('createPlainTransport', {});
    expect(t.port).toBeGreaterThan(0);
    again.close();
  });

  it('closes every transport, producer, consumer and room once everyone has left', async () => {
    const room = 'cleanup';
    const a = await joined({ room });
    const b = await joined({ room, participant: { id: 'bob', name: 'Bob' } });
    const np = a.next('newProducer');
    const pub = await publishFileOverRtp(b, { file: wav, audio: true });
    const recv = await a.request('createWebRtcTransport', { direction: 'recv' });
    const { producerId } = await np;
    const consumer = await a.request('consume', { transportId: recv.id, producerId });
    expect(consumer).toMatchObject({ kind: 'audio', type: 'simple', producerPaused: false, peerId: 'bob' });
    await pub.stop();
    const open = async () =>
      Object.fromEntries(
        (await metrics.sfuEntities.get()).values.map((v) => [String(v.labels.kind), v.value]),
      ) as Record<string, number>;
    expect((await open()).consumers).toBeGreaterThan(0);
    // Requests still in flight when the socket drops must not leave transports behind.
    const c = await joined({ room, participant: { id: 'carol', name: 'Carol' } });
    for (let i = 0; i < 3; i++) void c.request('createPlainTransport', {}).catch(() => undefined);
    c.socket.terminate();
    a.close();
    b.close();
    for (let i = 0; i < 50 && Object.values(await open()).some((v) => v > 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await open()).toMatchObject({ rooms: 0, transports: 0, producers: 0, consumers: 0 });
    expect(await sfu.registry.list()).toEqual([]);
  });
});
