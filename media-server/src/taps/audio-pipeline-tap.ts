import { PassThrough } from 'node:stream';
import type { Bus } from '@mi/bus';
import { headerNames } from '@mi/bus';
import { type EventContext, makeEvent, type RecordingData, subjects } from '@mi/contracts';
import type { ObjectStore } from '@mi/object-store';
import { type Logger, type Metrics, startSpanFrom, traceparentOf } from '@mi/telemetry';
import type { Tracer } from '@opentelemetry/api';
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
  await publisher.start();

  const startedAt = new Date();
  let recording: { writer: OggOpusWriter; upload: Promise<{ size: number }>; key: string } | undefined;
  if (deps.record) {
    const key = recordingKey(target, 'ogg');
    const body = new PassThrough();
    const writer = new OggOpusWriter(body, {
      channels: codec.channels === 1 ? 1 : 2,
      tags: { TITLE: `room ${room}`, ARTIST: participant.name },
    });
    const upload = deps.store.put(key, body, { contentType: 'audio/ogg' });
    upload.catch(() => undefined);
    recording = { writer, upload, key };
  }

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
  const local = await tap.listen();
  await transport.connect({ ip: local.ip, port: local.port });
  await consumer.resume();
  deps.metrics.ingestStreams.inc({ source: 'webrtc' });
  deps.metrics.sfuEntities.inc({ kind: 'taps' });
  deps.logger.info({ stream, room, participant: participant.id }, 'audio tap started');

  let closing: Promise<void> | undefined;
  return {
    kind: 'audio',
    close(reason: string) {
      closing ??= (async () => {
        transport.close();
        await tap.close();
        const s = tap.stats();
        deps.metrics.tapPackets.inc({ kind: 'audio', outcome: 'ok' }, s.packets);
        deps.metrics.tapPackets.inc({ kind: 'audio', outcome: 'lost' }, s.lost);
        deps.metrics.tapPackets.inc({ kind: 'audio', outcome: 'late' }, s.late);
        deps.metrics.tapPackets.inc({ kind: 'audio', outcome: 'corrupt' }, s.decodeErrors);
        deps.metrics.ingestStreams.dec({ source: 'webrtc' });
        deps.metrics.sfuEntities.dec({ kind: 'taps' });
        await publisher
          .end(reason)
          .catch((err: Error) => deps.logger.error({ stream, err: err.message }, 'stream end failed'));
        span?.end();
        if (recording) await finishRecording(target, deps, recording, startedAt, 'audio', 'opus');
        deps.logger.info({ stream, reason, ...s }, 'audio tap closed');
      })();
      return closing;
    },
  };
}

async function finishRecording(
  target: TapTarget,
  deps: PipelineTapDeps,
  recording: { upload: Promise<{ size: number }>; key: string },
  startedAt: Date,
  kind: 'audio' | 'video',
  codec: string,
): Promise<void> {
  try {
    const { size } = await recording.upload;
    const endedAt = new Date();
    await publishRecording(deps, target, {
      room: target.room,
      participant: target.participant,
      producer: target.producer.id,
      kind,
      key: recording.key,
      contentType: kind === 'audio' ? 'audio/ogg' : 'video/webm',
      codec,
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - startedAt.getTime(),
      bytes: size,
    });
  } catch (err) {
    deps.logger.error({ key: recording.key, err: (err as Error).message }, 'recording failed');
  }
}

export async function publishRecording(deps: PipelineTapDeps, target: TapTarget, data: RecordingData): Promise<void> {
  const event = makeEvent('media.recording', 1, data, eventContext(target, deps), `${data.producer}:recording`);
  await deps.bus.append(subjects.recording(target.room, target.participant.id), Buffer.from(JSON.stringify(event)), {
    msgId: event.id,
    headers: { [headerNames.correlationId]: target.correlationId },
  });
}
