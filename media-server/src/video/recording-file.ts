import { randomUUID } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VideoMimeType } from './sdp.ts';
import type { KeyframeObjectStore } from './types.ts';

/** Stream copy needs a container that holds the codec: WebM for VP8/VP9, Matroska for H264. */
export const RECORDING_CONTAINERS = {
  'video/VP8': { format: 'webm', extension: 'webm', contentType: 'video/webm', codec: 'vp8' },
  'video/VP9': { format: 'webm', extension: 'webm', contentType: 'video/webm', codec: 'vp9' },
  'video/H264': { format: 'matroska', extension: 'mkv', contentType: 'video/x-matroska', codec: 'h264' },
} as const;

export type RecordingContainer = (typeof RECORDING_CONTAINERS)[VideoMimeType];

/**
 * The recording as ffmpeg writes it: a temporary file rather than a pipe, because the muxer
 * seeks back at the end to write Duration and Cues (a streamed WebM has neither, so players
 * cannot seek in it). Uploaded once ffmpeg has exited; the owner removes it in every case.
 */
export class RecordingFile {
  readonly path: string;

  constructor(
    readonly container: RecordingContainer,
    dir = tmpdir(),
  ) {
    this.path = join(dir, `video-tap-${randomUUID()}.${container.extension}`);
  }

  static for(mimeType: VideoMimeType): RecordingFile {
    return new RecordingFile(RECORDING_CONTAINERS[mimeType]);
  }

  /** Bytes written so far; 0 before ffmpeg creates the file (it does once the input is probed). */
  size(): number {
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  /** Streams the file into the store under `key`; resolves to the bytes stored, 0 (nothing stored) when empty. */
  async upload(store: KeyframeObjectStore, key: string, metadata: Record<string, string>): Promise<number> {
    const size = (await stat(this.path).catch(() => undefined))?.size ?? 0;
    if (size === 0) return 0;
    const result = await store.put(key, createReadStream(this.path), {
      contentType: this.container.contentType,
      size,
      metadata,
    });
    return result.size;
  }

  remove(): Promise<void> {
    return rm(this.path, { force: true });
  }
}
