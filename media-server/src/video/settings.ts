import { subjects } from '@mi/contracts';
import { isSupportedVideoMimeType } from './sdp.ts';
import type { VideoKeyframeTapOptions } from './types.ts';

/** The tap's tunables with defaults applied and values forced into the ranges ffmpeg accepts. */
export interface TapSettings {
  sceneThreshold: number;
  minIntervalMs: number;
  periodicMs: number;
  keyFrameRequestMs: number;
  ocr: boolean;
  ocrMaxWidth: number;
  /** Even: ffmpeg's `scale=W:-2` keeps the height even, and the width must be too. */
  thumbnailWidth: number;
  thumbnailQuality: number;
  stopTimeoutMs: number;
}

export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

export function resolveTapSettings(o: VideoKeyframeTapOptions): TapSettings {
  const width = Math.max(16, Math.round(o.thumbnailWidth ?? 320));
  return {
    sceneThreshold: clamp(o.sceneThreshold ?? 0.3, 0.001, 1),
    minIntervalMs: Math.max(0, o.minIntervalMs ?? 2000),
    periodicMs: Math.max(0, o.periodicMs ?? 30_000),
    keyFrameRequestMs: Math.max(0, o.keyFrameRequestMs ?? 30_000),
    ocr: o.ocr ?? true,
    ocrMaxWidth: Math.max(64, Math.round(o.ocrMaxWidth ?? 1920)),
    thumbnailWidth: width - (width % 2),
    thumbnailQuality: clamp(Math.round(o.thumbnailQuality ?? 5), 2, 31),
    stopTimeoutMs: o.stopTimeoutMs ?? 5000,
  };
}

/** Throws on options that would fail later, inside ffmpeg or on the bus, where it is harder to tell why. */
export function assertValidTapOptions(o: VideoKeyframeTapOptions): void {
  if (!isSupportedVideoMimeType(o.codec.mimeType)) throw new Error(`unsupported video codec ${o.codec.mimeType}`);
  if (!o.keyPrefix || o.keyPrefix.endsWith('/')) throw new Error('keyPrefix must be non-empty, without a trailing /');
  // the producer id is part of event ids and the ffmpeg session name
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(o.producerId)) throw new Error(`invalid producerId ${o.producerId}`);
  // room and participant must be valid subject tokens
  subjects.keyframe(o.room, o.participant.id);
}
