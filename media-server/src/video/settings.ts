import { subjects } from '@mi/contracts';
import { isSupportedVideoMimeType } from './sdp.ts';
import type { VideoKeyframeTapOptions } from './types.ts';

/** The tap's tunables with defaults applied and values forced into the ranges ffmpeg accepts. */
export interface TapSettings {
  sceneThreshold: number;
  minIntervalMs: number;
  periodicMs: number;
  keyFrameRequestMs: number;
  decode: 'all' | 'keyframes';
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
  const decode = o.decode ?? 'all';
  const minIntervalMs = Math.max(0, o.minIntervalMs ?? 2000);
  // Decoding key frames only sees what key frames show: ask for them as often as a frame may be kept.
  const requestDefault = decode === 'keyframes' ? Math.max(1000, minIntervalMs) : 30_000;
  return {
    sceneThreshold: clamp(o.sceneThreshold ?? 0.3, 0.001, 1),
    minIntervalMs,
    periodicMs: Math.max(0, o.periodicMs ?? 30_000),
    keyFrameRequestMs: Math.max(0, o.keyFrameRequestMs ?? requestDefault),
    decode,
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
