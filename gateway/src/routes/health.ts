import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export type ReadinessCheck = { name: string; check: () => Promise<boolean> | boolean };

/** /healthz (process alive), /readyz (dependencies usable), /metrics (Prometheus text). */
export async function healthRoutes(app: FastifyInstance, opts: { checks: ReadinessCheck[]; registries: Registry[] }) {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const results = await Promise.all(
      opts.checks.map(async (c) => {
        try {
          return [c.name, await c.check()] as const;
        } catch {
          return [c.name, false] as const;
        }
      }),
    );
    const ready = results.every(([, ok]) => ok);
    return reply
      .status(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
  app.get('/metrics', async (_req, reply) => {
    const texts = await Promise.all(opts.registries.map((r) => r.metrics()));
    return reply.type('text/plain; version=0.0.4').send(texts.join('\n'));
  });
}
