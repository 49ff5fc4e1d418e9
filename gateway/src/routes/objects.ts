import type { PresignHandler } from '@mi/object-store';
import type { FastifyInstance } from 'fastify';

/**
 * Serves the local-disk store's presigned URLs (`/v1/objects/...`) on the gateway, so recordings,
 * thumbnails and uploads work by URL in the embedded mode as they do against S3. The signature in
 * the URL is the credential; bodies stream through untouched.
 */
export async function presignedObjectRoutes(app: FastifyInstance, opts: { handler: PresignHandler }) {
  // PUT bodies (uploads) go to the handler as the raw stream, whatever their content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));
  app.route({
    method: ['GET', 'HEAD', 'PUT'],
    url: '/v1/objects/*',
    handler: async (req, reply) => {
      reply.hijack();
      if (!(await opts.handler(req.raw, reply.raw))) {
        reply.raw.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    },
  });
}
