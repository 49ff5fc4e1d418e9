import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BusMessage, InProcessBus } from '@mi/bus';
import { assertValid, type EventContext, RecordingV1, streams, subjects } from '@mi/contracts';
import { createLogger } from '@mi/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORDING_CONTAINERS, RecordingFile } from './recording-file.ts';
import { type PublishRecordingOptions, publishRecording } from './recording-publisher.ts';
import type { KeyframeObjectStore } from './types.ts';

const ctx: EventContext = {
  tenant: 'default',
  correlationId: 'corr-rec',
  producer: { service: 'media-server', version: '0.1.0' },
  room: 'r1',
};
const log = createLogger({ service: 'recording-publisher-test', level: 'silent' });
let dir: string;
let bus: InProcessBus;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recording-publisher-test-'));
  bus = new InProcessBus();
  await bus.ensureStream({ ...streams.EVENTS, subjects: [...streams.EVENTS.subjects] });
});
afterAll(async () => {
  await bus.close();
  await rm(dir, { recursive: true, force: true });
});

async function options(
  bytes: number,
  store: KeyframeObjectStore,
  timeline: PublishRecordingOptions['timeline'],
): Promise<PublishRecordingOptions> {
  const file = new RecordingFile(RECORDING_CONTAINERS['video/VP8'], dir);
  if (bytes > 0) await writeFile(file.path, Buffer.alloc(bytes, 1));
  return {
    bus,
    store,
    ctx,
    room: 'r1',
    participant: { id: 'p1', name: 'P' },
    producerId: 'prod-1',
    log,
    file,
    key: 'recordings/r1/p1/prod-1.webm',
    exit: { code: 0, signal: null, expected: true, at: new Date().toISOString(), stderr: [] },
    timeline,
    stats: { recordingBytes: 0 },
  };
}

const okStore: KeyframeObjectStore = {
  async put(_key, body) {
    let size = 0;
    for await (const c of body as AsyncIterable<Buffer>) size += c.length;
    return { etag: 'e', size };
  },
};

describe('publishRecording', () => {
  it('uploads the file and publishes media.recording with its timing', async () => {
    const events: unknown[] = [];
    bus.subscribe(subjects.recording('r1', 'p1'), (m: BusMessage) => {
      events.push(JSON.parse(Buffer.from(m.data).toString('utf8')));
    });
    const o = await options(5000, okStore, { firstOffsetMs: 40, lastOffsetMs: 12_040, wallBase: 1_700_000_000_000 });
    const data = await publishRecording(o);
    expect(data).toMatchObject({
      kind: 'video',
      codec: 'vp8',
      contentType: 'video/webm',
      bytes: 5000,
      durationMs: 12_000,
      startedAt: new Date(1_700_000_000_040).toISOString(),
      endedAt: new Date(1_700_000_012_040).toISOString(),
    });
    expect(o.stats.recordingBytes).toBe(5000);
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toHaveLength(1);
    expect(assertValid(RecordingV1, events[0]).id).toBe('prod-1:recording');
    await o.file.remove();
  });

  it('stores nothing for an empty file or when no frame ever decoded', async () => {
    let puts = 0;
    const store: KeyframeObjectStore = {
      async put() {
        puts++;
        return { etag: 'e', size: 1 };
      },
    };
    expect(await publishRecording(await options(0, store, { firstOffsetMs: 0, lastOffsetMs: 10, wallBase: 0 }))).toBe(
      undefined,
    );
    const noFrames = await options(100, store, { firstOffsetMs: undefined, lastOffsetMs: undefined, wallBase: 0 });
    expect(await publishRecording(noFrames)).toBeUndefined();
    expect(puts).toBe(0);
    await noFrames.file.remove();
  });

  it('reports a failed upload instead of throwing', async () => {
    const store: KeyframeObjectStore = {
      async put() {
        throw new Error('disk full');
      },
    };
    const o = await options(100, store, { firstOffsetMs: 0, lastOffsetMs: 1000, wallBase: 0 });
    expect(await publishRecording(o)).toBeUndefined();
    expect(o.stats.recordingError).toBe('disk full');
    await o.file.remove();
  });
});
