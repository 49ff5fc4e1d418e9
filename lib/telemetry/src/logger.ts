import { type Logger, pino } from 'pino';

export type { Logger };

/** Credentials that travel in query strings (WebSocket and EventSource cannot set headers). */
const secretParams = /([?&](?:token|access_token)=)[^&#]*/g;

/** A URL fit for logs: query credentials replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  return url.replace(secretParams, '$1[redacted]');
}

/** One logger per service; child loggers carry correlationId/room so log lines join up across services. */
export function createLogger(opts: { service: string; level?: string }): Logger {
  return pino({
    name: opts.service,
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: opts.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: {
      // Fastify logs each request's URL: room tokens and API keys in it must not reach the logs.
      req: (req: { method?: string; url?: string; id?: string }) => ({
        method: req.method,
        url: req.url ? redactUrl(req.url) : req.url,
        id: req.id,
      }),
    },
  });
}
