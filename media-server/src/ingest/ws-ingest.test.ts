import websocket from '@fastify/websocket';
import { type Bus, InProcessBus } from '@mi/bus';
import { audioMessageKinds, decodeAudioFrame, ingestCloseCodes, queues, streams } from '@mi/contracts';
import { createLogger, createMetrics } from '@mi/telemetry';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { streamToIngest } from './bot-client.ts';
import { ingestPath, wsIngestPlugin } from './ws-ingest.ts';

let app: FastifyInstance;
let bus: Bus;
let url: string;

beforeAll(async () => {
  bus = new InProcessBus();
  for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
  app = Fastify();
  await app.register(websocket);
  await app.register(wsIngestPlugin, {
    bus,
    logger: createLogger({ service: 'test', level: 'silent' }),
    metrics: createMetrics({ defaultMetrics: false }),
    service: { name: 'media-server', version: 'test' },
    defaultTenant: 'default',
    maxFrameBytes: 8192,
    helloTimeoutMs: 300,
    frameMs: 100,
    maxRealtimeFactor: 50,
    burstSeconds: 5,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  url = `ws://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}${ingestPath}`;
});
afterAll(async () => {
  await app.close();
  await bus.close();
});

/** Opens a socket, runs `script`, resolves with the close code and reason. */
function session(script: (ws: WebSocket) => void): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => script(ws));
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on('error', reject);
  });
}

const hello = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: 'hello',
    room: 'r1',
    participant: { id: 'alice', name: 'Alice' },
    sampleRate: 16000,
    encoding: 'pcm_s16le',
    ...extra,
  });

async function storedAudio(room: string, participant: string, stream: string) {
  const frames: ReturnType<typeof decodeAudioFrame>[] = [];
  let end = false;
  const sub = await bus.replay(
    streams.AUDIO.name,
    { filterSubject: `v1.media.${room}.${participant}.audio`, from: { kind: 'all' }, live: false },
    (m) => {
      if (m.headers[audioMessageKinds.header] === 'end') {
        if (JSON.parse(Buffer.from(m.data).toString()).data.stream === stream) end = true;
        return;
      }
      const f = decodeAudioFrame(m.data);
      if (f.meta.data.stream === stream) frames.push(f);
    },
  );
  await new Promise((r) => setTimeout(r, 50));
  await sub.unsubscribe();
  return { frames, end };
}

describe('WebSocket audio ingest', () => {
  it('rejects a malformed hello with 4400 and names the field', async () => {
    const r = await session((ws) => ws.send(hello({ sampleRate: 'fast' })));
    expect(r.code).toBe(ingestCloseCodes.badHello);
    expect(r.reason).toMatch(/sampleRate/);
  });
  it('rejects non-JSON and binary-before-hello with 4400', async () => {
    expect((await session((ws) => ws.send('{nope'))).code).toBe(ingestCloseCodes.badHello);
    expect((await session((ws) => ws.send(Buffer.alloc(10)))).code).toBe(ingestCloseCodes.badHello);
  });
  it('rejects an unknown control message with 4415 and the schema reason', async () => {
    const r = await session((ws) => {
      ws.send(hello({ participant: { id: 'erin', name: 'Erin' } }));
      ws.once('message', () => ws.send(JSON.stringify({ type: 'pause' })));
    });
    expect(r.code).toBe(ingestCloseCodes.badFormat);
    expect(r.reason).toMatch(/control message/);
  });
  it('closes with 4408 when no hello arrives in time', async () => {
    expect((await session(() => {})).code).toBe(ingestCloseCodes.helloTimeout);
  });
  it('rejects partial samples (4415) and oversize frames (4413) without touching other streams', async () => {
    const good = streamToIngest({
      url,
      hello: { room: 'r2', participant: { id: 'bob', name: 'Bob' }, sampleRate: 16000, encoding: 'pcm_s16le' },
      pcm: new Int16Array(16000).fill(1000),
      realtime: false,
    });
    const odd = session((ws) => {
      ws.send(hello());
      ws.once('message', () => ws.send(Buffer.alloc(3)));
    });
    const big = session((ws) => {
      ws.send(hello({ participant: { id: 'carol', name: 'Carol' } }));
      ws.once('message', () => ws.send(Buffer.alloc(8194)));
    });
    expect((await odd).code).toBe(ingestCloseCodes.badFormat);
    expect((await big).code).toBe(ingestCloseCodes.frameTooLarge);
    const g = await good;
    expect(g.closeCode).toBe(1000);
    const { frames, end } = await storedAudio('r2', 'bob', g.stream);
    expect(end).toBe(true);
    expect(frames.reduce((a, f) => a + f.pcm.length, 0)).toBe(16000);
  });
  it('resamples 48 kHz stereo float to 16 kHz mono frames in order, announces and ends the stream', async () => {
    const seconds = 1.5;
    const pcm = new Float32Array(48000 * seconds * 2);
    for (let i = 0; i < pcm.length / 2; i++)
      pcm[2 * i] = pcm[2 * i + 1] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / 48000);
    const claims: string[] = [];
    const sub = bus.subscribe(queues.transcribeStream, (m) => {
      claims.push(JSON.parse(Buffer.from(m.data).toString()).data.stream);
    });
    const r = await streamToIngest({
      url,
      hello: {
        room: 'r3',
        participant: { id: 'dave', name: 'Dave' },
        sampleRate: 48000,
        channels: 2,
        encoding: 'pcm_f32le',
      },
      pcm,
      realtime: false,
      frameMs: 20,
    });
    await sub.unsubscribe();
    expect(r.closeCode).toBe(1000);
    expect(claims).toContain(r.stream);
    const { frames, end } = await storedAudio('r3', 'dave', r.stream);
    expect(end).toBe(true);
    expect(frames.map((f) => f.meta.data.seq)).toEqual(frames.map((_, i) => i));
    let offset = 0;
    for (const f of frames) {
      expect(f.meta.data.offset).toBe(offset);
      offset += f.pcm.length;
    }
    expect(Math.abs(offset - 16000 * seconds)).toBeLessThan(64);
    expect(frames[0]!.pcm.length).toBe(1600);
    const mid = frames[5]!.pcm;
    const rms = Math.sqrt(mid.reduce((a, v) => a + v * v, 0) / mid.length) / 32768;
    expect(rms).toBeCloseTo(0.3 / Math.SQRT2, 2);
  });
});
