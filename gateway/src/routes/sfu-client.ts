import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { serveBrowserBundle } from './clips-client.ts';

/**
 * Serves the browser SFU client (`/sfu-client.js`): mediasoup-client and our client bundled by
 * esbuild on first request and kept in memory, so there is no build step and no generated file.
 */
export async function sfuClientRoutes(app: FastifyInstance): Promise<void> {
  serveBrowserBundle(app, {
    path: '/sfu-client.js',
    entry: fileURLToPath(new URL('../../client/sfu-client.ts', import.meta.url)),
    format: 'iife',
  });
}
