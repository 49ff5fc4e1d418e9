import { AppError, errorCodes, ValidationError } from '@mi/contracts';
import type { FastifyError, FastifyInstance } from 'fastify';

/** Maps every error to `{ error: { code, message } }` with the catalogue's status. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError | ValidationError, req, reply) => {
    if (err instanceof AppError) {
      return reply.status(err.status).send({ error: { code: err.code, message: err.message, details: err.details } });
    }
    if (err instanceof ValidationError || (err as FastifyError).validation) {
      return reply.status(400).send({ error: { code: 'ERR_SCHEMA', message: err.message } });
    }
    const status = (err as FastifyError).statusCode ?? 500;
    if (status === 413) {
      return reply.status(413).send({ error: { code: 'ERR_PAYLOAD_TOO_LARGE', message: err.message } });
    }
    if (status < 500)
      return reply.status(status).send({ error: { code: (err as FastifyError).code, message: err.message } });
    req.log.error({ err }, 'request failed');
    return reply.status(500).send({ error: { code: 'ERR_INTERNAL', message: errorCodes.ERR_INTERNAL.message } });
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.status(404).send({ error: { code: 'ERR_NOT_FOUND', message: errorCodes.ERR_NOT_FOUND.message } }),
  );
}
