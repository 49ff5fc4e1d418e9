import type { Tap, TapTarget } from '../sfu/taps.ts';
import { VideoKeyframeTap } from '../video/index.ts';
import { eventContext, type PipelineTapDeps, recordingKey } from './audio-pipeline-tap.ts';

export type VideoTapSettings = {
  sceneThreshold: number;
  screenSceneThreshold: number;
  portRange: { min: number; max: number };
  minIntervalMs: number;
  periodicMs: number;
  ocr: boolean;
};

/**
 * Video producer -> PlainTransport -> ffmpeg: key frames on scene changes become thumbnails
 * (with OCR text) and `media.keyframe` events; the track is recorded to WebM by stream copy.
 */
export async function attachVideoTap(
  target: TapTarget,
  deps: PipelineTapDeps,
  settings: VideoTapSettings,
): Promise<Tap> {
  const { router, producer, participant, room } = target;
  const transport = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: false,
    comedia: false,
  });
  const consumer = await transport.consume({
    producerId: producer.id,
    rtpCapabilities: router.rtpCapabilities,
    paused: true,
  });
  const codec = consumer.rtpParameters.codecs[0];
  const mimeType = codec?.mimeType;
  if (!codec || (mimeType !== 'video/VP8' && mimeType !== 'video/H264')) {
    transport.close();
    throw new Error(`video tap supports VP8 and H264, got ${mimeType}`);
  }
  const tap = new VideoKeyframeTap({
    bus: deps.bus,
    store: deps.store,
    ctx: eventContext(target, deps),
    room,
    participant,
    producerId: producer.id,
    codec: { mimeType, payloadType: codec.payloadType, clockRate: codec.clockRate, parameters: codec.parameters },
    sceneThreshold: target.source === 'screen' ? settings.screenSceneThreshold : settings.sceneThreshold,
    portRange: settings.portRange,
    minIntervalMs: settings.minIntervalMs,
    periodicMs: settings.periodicMs,
    ocr: settings.ocr,
    requestKeyFrame: () => consumer.requestKeyFrame(),
    ...(deps.record ? { record: { key: recordingKey(target, 'webm') } } : {}),
    keyPrefix: `rooms/${room}/keyframes/${participant.id}/${producer.id}`,
    logger: deps.logger,
  });
  const local = await tap.start();
  await transport.connect({ ip: local.ip, port: local.rtpPort, rtcpPort: local.rtcpPort });
  await consumer.resume();
  await consumer.requestKeyFrame().catch(() => undefined);
  deps.metrics.sfuEntities.inc({ kind: 'taps' });
  let closing: Promise<void> | undefined;
  return {
    kind: 'video',
    close(reason: string) {
      closing ??= (async () => {
        transport.close();
        await tap.close();
        deps.metrics.sfuEntities.dec({ kind: 'taps' });
        deps.logger.info({ room, producer: producer.id, reason }, 'video tap closed');
      })();
      return closing;
    },
  };
}
