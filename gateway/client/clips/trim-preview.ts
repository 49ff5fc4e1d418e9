/**
 * Trim previews in the browser with ffmpeg.wasm: a stream copy of the chosen range of a clip's
 * MP4 (fast, but it starts at the key frame before the start; the server's edit is frame-accurate).
 * The core is the single-thread build, so the page needs no cross-origin isolation.
 */
import { FFmpeg } from '@ffmpeg/ffmpeg';
import { ApiError } from './api.ts';

/** Served by the gateway from the installed packages (routes/clips-client.ts). */
const vendor = {
  worker: '/vendor/ffmpeg/ffmpeg/worker.js',
  core: '/vendor/ffmpeg/core/ffmpeg-core.js',
  wasm: '/vendor/ffmpeg/core/ffmpeg-core.wasm',
};

export type PreviewStatus = (line: string) => void;

/** Bytes of a URL, failing on an HTTP error (an expired presigned URL must not become "media"). */
async function download(url: string, status: PreviewStatus): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, `fetching the clip failed: ${res.statusText}`);
  const total = Number(res.headers.get('content-length')) || 0;
  if (!res.body || !total) return new Uint8Array(await res.arrayBuffer());
  const out = new Uint8Array(total);
  let at = 0;
  const reader = res.body.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    out.set(r.value, at);
    at += r.value.length;
    status(`Downloading the clip… ${Math.round((at / total) * 100)}%`);
  }
  return out.subarray(0, at);
}

export class TrimPreviewer {
  #ffmpeg: FFmpeg | undefined;
  #loading: Promise<FFmpeg> | undefined;
  /** The clip now in ffmpeg's file system, so previews of one clip download it once. */
  #loadedUrl: string | undefined;
  #status: PreviewStatus = () => {};

  /** Starts ffmpeg.wasm once (about 30 MB of WebAssembly, cached by the browser afterwards). */
  #load(): Promise<FFmpeg> {
    this.#loading ??= (async () => {
      const ffmpeg = new FFmpeg();
      ffmpeg.on('log', ({ message }) => this.#status(message));
      ffmpeg.on('progress', ({ progress }) => {
        if (progress >= 0 && progress <= 1) this.#status(`Cutting… ${Math.round(progress * 100)}%`);
      });
      this.#status('Loading ffmpeg.wasm…');
      const abs = (path: string) => new URL(path, location.href).href;
      await ffmpeg.load({ classWorkerURL: abs(vendor.worker), coreURL: abs(vendor.core), wasmURL: abs(vendor.wasm) });
      this.#ffmpeg = ffmpeg;
      return ffmpeg;
    })().catch((err: unknown) => {
      this.#loading = undefined;
      throw err;
    });
    return this.#loading;
  }

  /**
   * Cuts `startS` to `endS` (seconds into the clip) of the MP4 at `url`; resolves with the preview
   * as an MP4 Blob. `status` gets one line at a time (download, ffmpeg's log, progress).
   */
  async preview(url: string, startS: number, endS: number, status: PreviewStatus): Promise<Blob> {
    this.#status = status;
    const ffmpeg = await this.#load();
    if (this.#loadedUrl !== url) {
      const bytes = await download(url, status);
      await ffmpeg.writeFile('in.mp4', bytes);
      this.#loadedUrl = url;
    }
    const args = ['-ss', startS.toFixed(3), '-i', 'in.mp4', '-t', (endS - startS).toFixed(3), '-c', 'copy'];
    const code = await ffmpeg.exec([...args, '-movflags', '+faststart', 'out.mp4']);
    if (code !== 0) throw new Error(`ffmpeg.wasm exited with ${code}`);
    const data = await ffmpeg.readFile('out.mp4');
    await ffmpeg.deleteFile('out.mp4');
    if (typeof data === 'string') throw new Error('ffmpeg.wasm returned text instead of video');
    status(`Preview ready: ${(endS - startS).toFixed(1)} s requested (stream copy snaps to key frames)`);
    return new Blob([data as Uint8Array<ArrayBuffer>], { type: 'video/mp4' });
  }

  /** Stops the worker (frees its memory). */
  close(): void {
    this.#ffmpeg?.terminate();
    this.#ffmpeg = undefined;
    this.#loading = undefined;
    this.#loadedUrl = undefined;
  }
}
