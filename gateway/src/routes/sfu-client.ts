import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const entry = fileURLToPath(new URL('../../client/sfu-client.ts', import.meta.url));

/**
 * Serves the browser SFU client (`/sfu-client.js`): mediasoup-client and our client bundled by
 * esbuild on first request and kept in memory, so there is no build step and no generated file.
 */
export async function sfuClientRoutes(app: FastifyInstance): Promise<void> {
  let bundle: Promise<string> | undefined;
  const build = async () => {
    const esbuild = await import('esbuild');
    const out = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: ['chrome100', 'firefox100', 'safari15'],
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    return out.outputFiles[0]?.text ?? '';
  };
  app.get('/sfu-client.js', async (_req, reply) => {
    bundle ??= build().catch((err) => {
      bundle = undefined;
      throw err;
    });
    return reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(await bundle);
  });
}
