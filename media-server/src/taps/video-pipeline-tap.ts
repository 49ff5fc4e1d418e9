import type { Tap, TapTarget } from '../sfu/taps.ts';
import { isSupportedVideoMimeType, VideoKeyframeTap } from '../video/index.ts';
import { eventContext, type PipelineTapDeps, recordingKey } from './audio-pipeline-tap.ts';
import { consumeOverLoopback } from './loopback-consumer.ts';

export type VideoTapSettings = {
  sceneThreshold: number;
  screenSceneThreshold: number;
  portRange: { min: number; max: number };
  minIntervalMs: number;
  decode: 'all' | 'keyframes';
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
  const { producer, participant, room } = target;
  // ffmpeg expects RTCP on the port after the RTP port.
  const { transport, consumer, codec } = await consumeOverLoopback(target, { rtcpMux: false });
  const mimeType = codec.mimeType;
  if (!isSupportedVideoMimeType(mimeType)) {
    transport.close();
    throw new Error(`video tap supports VP8, VP9 and H264, got ${mimeType}`);
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
    decode: settings.decode,
    periodicMs: settings.periodicMs,
    ocr: settings.ocr,
    requestKeyFrame: () => consumer.requestKeyFrame(),
    ...(deps.record ? { record: { key: recordingKey(target, 'webm') } } : {}),
    keyPrefix: `rooms/${room}/keyframes/${participant.id}/${producer.id}`,
    logger: deps.logger,
  });
  try {
    const local = await tap.start();
    await transport.connect({ ip: local.ip, port: local.rtpPort, rtcpPort: local.rtcpPort });
    await consumer.resume();
  } catch (err) {
    // The producer closed meanwhile, or ffmpeg did not start: stop what did.
    transport.close();
    await tap.close();
    throw err;
  }
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
