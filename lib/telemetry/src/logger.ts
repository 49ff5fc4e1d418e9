import { type Logger, pino } from 'pino';

export type { Logger };

/** One logger per service; child loggers carry correlationId/room so log lines join up across services. */
export function createLogger(opts: { service: string; level?: string }): Logger {
  return pino({
    name: opts.service,
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: opts.service },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
