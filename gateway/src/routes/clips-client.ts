import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '@mi/contracts';
import type { FastifyInstance } from 'fastify';

/** A browser entry point, bundled by esbuild into one file served at `path`. */
export type BrowserBundle = { path: string; entry: string; format: 'esm' | 'iife' };

/**
 * Serves a browser bundle built by esbuild on first request and kept in memory: no build step and
 * no generated file. A failed build is retried on the next request.
 */
export function serveBrowserBundle(app: FastifyInstance, bundle: BrowserBundle): void {
  let built: Promise<string> | undefined;
  const build = async () => {
    const esbuild = await import('esbuild');
    const out = await esbuild.build({
      entryPoints: [bundle.entry],
      format: bundle.format,
      bundle: true,
      platform: 'browser',
      target: ['chrome100', 'firefox100', 'safari15'],
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    return out.outputFiles[0]?.text ?? '';
  };
  app.get(bundle.path, async (_req, reply) => {
    built ??= build().catch((err: unknown) => {
      built = undefined;
      throw err;
    });
    const code = await built;
    // no-cache: a new server version must never run against an old cached client.
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(code);
  });
}

const vendorTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * Serves the scripts and WebAssembly of one directory of an installed package under `prefix`.
 * Only files listed when the route is registered are served (no path ever reaches the file
 * system from a request), with long cache headers since they change only with the package.
 */
export async function serveVendorDirectory(app: FastifyInstance, prefix: string, dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = new Set(entries.filter((e) => e.isFile() && vendorTypes[extname(e.name)]).map((e) => e.name));
  app.get<{ Params: { file: string } }>(`${prefix}:file`, async (req, reply) => {
    const { file } = req.params;
    if (!files.has(file)) throw new AppError('ERR_NOT_FOUND', `${prefix}${file} not found`);
    const path = join(dir, file);
    const info = await stat(path);
    return reply
      .type(vendorTypes[extname(file)] ?? 'application/octet-stream')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('content-length', info.size)
      .header('last-modified', info.mtime.toUTCString())
      .send(createReadStream(path));
  });
}

const require = createRequire(import.meta.url);

/** Root directory of an installed package (its exports map hides package.json, so from its entry). */
function packageDir(name: string): string {
  const entry = require.resolve(name);
  const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`cannot find the directory of package ${name} (resolved ${entry})`);
  return entry.slice(0, at + marker.length);
}

/**
 * The clips page (`/clips`): uploads, highlight jobs, clips and in-browser trim previews. Serves
 * the page, its client bundle (`/clips-client.js`) and ffmpeg.wasm (`/vendor/ffmpeg/...`): the
 * FFmpeg class's module worker and the single-thread core, which needs no SharedArrayBuffer and
 * so no cross-origin isolation headers.
 */
export async function clipsClientRoutes(app: FastifyInstance): Promise<void> {
  const page = await readFile(new URL('../../public/clips.html', import.meta.url), 'utf8');
  app.get('/clips', async (_req, reply) => reply.type('text/html; charset=utf-8').send(page));
  serveBrowserBundle(app, {
    path: '/clips-client.js',
    entry: fileURLToPath(new URL('../../client/clips-client.ts', import.meta.url)),
    format: 'esm',
  });
  await serveVendorDirectory(app, '/vendor/ffmpeg/ffmpeg/', join(packageDir('@ffmpeg/ffmpeg'), 'dist', 'esm'));
  await serveVendorDirectory(app, '/vendor/ffmpeg/core/', join(packageDir('@ffmpeg/core'), 'dist', 'esm'));
}
