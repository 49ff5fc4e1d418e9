import { PassThrough } from 'node:stream';
import type { Bus } from '@mi/bus';
import { type EventContext, makeEvent, type RecordingData, subjects } from '@mi/contracts';
import type { ObjectStore } from '@mi/object-store';
import { type Logger, type Metrics, startSpanFrom, traceparentOf } from '@mi/telemetry';
import type { Tracer } from '@opentelemetry/api';
import { appendEvent } from '../bus-events.ts';
import { AudioPublisher } from '../ingest/audio-publisher.ts';
import { OggOpusWriter, RtpAudioTap } from '../rtp/index.ts';
import type { Tap, TapTarget } from '../sfu/taps.ts';
import { consumeOverLoopback } from './loopback-consumer.ts';

export type PipelineTapDeps = {
  bus: Bus;
  store: ObjectStore;
  logger: Logger;
  metrics: Metrics;
  service: { name: string; version: string };
  tracer?: Tracer;
  /** Bus frame length (ms), as the WS ingest. */
  frameMs: number;
  record: boolean;
};

export function eventContext(target: TapTarget, deps: PipelineTapDeps): EventContext {
  return {
    tenant: target.tenant,
    correlationId: target.correlationId,
    producer: { service: deps.service.name, version: deps.service.version },
    room: target.room,
  };
}

export function recordingKey(target: TapTarget, ext: string): string {
  return `rooms/${target.room}/recordings/${target.participant.id}/${target.producer.id}.${ext}`;
}

/**
 * Audio producer -> PlainTransport (RTP over loopback) -> Opus decode to 16 kHz -> the same bus
 * frames as the WS ingest, so transcription cannot tell how audio arrived. The Opus packets are
 * also written, untouched, to an Ogg file in the object store.
 */
export async function attachAudioTap(target: TapTarget, deps: PipelineTapDeps): Promise<Tap> {
  const { producer, participant, room } = target;
  const { transport, consumer, codec } = await consumeOverLoopback(target, { rtcpMux: true });
  if (codec.mimeType.toLowerCase() !== 'audio/opus') {
    transport.close();
    throw new Error(`audio tap needs Opus, got ${codec.mimeType}`);
  }
  const stream = `rtc-${producer.id}`;
  const span = deps.tracer
    ? startSpanFrom(deps.tracer, 'ingest.stream', undefined, {
        attributes: { 'mi.room': room, 'mi.participant': participant.id, 'mi.stream': stream, 'mi.source': 'webrtc' },
      })
    : undefined;
  const traceparent = span ? traceparentOf(span) : undefined;
  const publisher = new AudioPublisher(deps.bus, {
    ...(traceparent ? { traceparent } : {}),
    stream,
    room,
    participant,
    source: target.source === 'file' ? 'rtp' : 'webrtc',
    input: { sampleRate: codec.clockRate, channels: codec.channels ?? 2, encoding: 'opus' },
    frameMs: deps.frameMs,
    ctx: eventContext(target, deps),
  });
  const startedAt = new Date();
  const recording = deps.record ? startRecording(target, deps, codec.channels === 1 ? 1 : 2) : undefined;
  let failed = false;
  const tap = new RtpAudioTap({
    payloadType: codec.payloadType,
    clockRate: codec.clockRate,
    onPcm: (pcm) => {
      if (failed) return;
      try {
        publisher.write(pcm);
      } catch (err) {
        failed = true;
        deps.logger.error({ stream, err: (err as Error).message }, 'audio tap could not publish');
      }
    },
    ...(recording ? { recorder: recording.writer } : {}),
    logger: deps.logger,
  });

  let announced = false;
  let running = false;
  let closing: Promise<void> | undefined;
  // Undoes whatever was started, so a tap that fails half-way (its producer closed meanwhile)
  // leaves no transport, socket, stream claim, upload or span behind.
  const close = (reason: string): Promise<void> => {
    closing ??= (async () => {
      transport.close();
      await tap.close();
      const s = tap.stats();
      if (running) {
        deps.metrics.tapPackets.inc({ kind: 'audio', outcome: 'ok' }, s.packets);
        deps.metrics.tapPackets.inc({ kind: 'audio', outcome: 'lost' }, s.lost);
        deps.metrics.tapPackets.inc({ kind: 'audio', outcome: 'late' }, s.late);
        deps.metrics.tapPackets.inc({ kind: 'audio', outcome: 'corrupt' }, s.decodeErrors);
        deps.metrics.ingestStreams.dec({ source: 'webrtc' });
        deps.metrics.sfuEntities.dec({ kind: 'taps' });
      }
      if (announced) {
        await publisher
          .end(reason)
          .catch((err: Error) => deps.logger.error({ stream, err: err.message }, 'stream end failed'));
      }
      span?.end();
      if (recording && running) await finishRecording(target, deps, recording, startedAt);
      else if (recording) await discardRecording(deps, recording);
      deps.logger.info({ stream, reason, ...s }, 'audio tap closed');
    })();
    return closing;
  };

  try {
    await publisher.start();
    announced = true;
    const local = await tap.listen();
    await transport.connect({ ip: local.ip, port: local.port });
    await consumer.resume();
  } catch (err) {
    await close('tap failed to start');
    throw err;
  }
  running = true;
  deps.metrics.ingestStreams.inc({ source: 'webrtc' });
  deps.metrics.sfuEntities.inc({ kind: 'taps' });
  deps.logger.info({ stream, room, participant: participant.id }, 'audio tap started');
  return { kind: 'audio', close };
}

type Recording = { writer: OggOpusWriter; upload: Promise<{ size: number }>; key: string };

/** The Opus packets go, untouched, into an Ogg file streamed to the object store. */
function startRecording(target: TapTarget, deps: PipelineTapDeps, channels: 1 | 2): Recording {
  const key = recordingKey(target, 'ogg');
  const body = new PassThrough();
  const writer = new OggOpusWriter(body, {
    channels,
    tags: { TITLE: `room ${target.room}`, ARTIST: target.participant.name },
  });
  const upload = deps.store.put(key, body, { contentType: 'audio/ogg' });
  upload.catch(() => undefined);
  return { writer, upload, key };
}

async function discardRecording(deps: PipelineTapDeps, recording: Recording): Promise<void> {
  await recording.upload.catch(() => undefined);
  await deps.store.delete(recording.key).catch(() => undefined);
}

/** The recording is complete: `media.recording` tells the clip path where it is. */
async function finishRecording(target: TapTarget, deps: PipelineTapDeps, recording: Recording, startedAt: Date) {
  try {
    const { size } = await recording.upload;
    const endedAt = new Date();
    const data: RecordingData = {
      room: target.room,
      participant: target.participant,
      producer: target.producer.id,
      kind: 'audio',
      key: recording.key,
      contentType: 'audio/ogg',
      codec: 'opus',
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - startedAt.getTime(),
      bytes: size,
    };
    const ctx = eventContext(target, deps);
    const event = makeEvent('media.recording', 1, data, ctx, `${data.producer}:recording`);
    await appendEvent(deps.bus, subjects.recording(target.room, target.participant.id), event, ctx);
  } catch (err) {
    deps.logger.error({ key: recording.key, err: (err as Error).message }, 'recording failed');
  }
}
