import type { Bus } from '@mi/bus';
import type { AuditLog } from '@mi/governance';
import type { Logger, Metrics } from '@mi/telemetry';
import type { Tracer } from '@opentelemetry/api';
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../auth.ts';
import type { GatewayConfig } from '../config.ts';
import { WebhookDispatcher } from './dispatcher.ts';
import { WebhookRegistry } from './registry.ts';
import { webhookRoutes } from './routes.ts';
import { SecretBox } from './secret-box.ts';

/** Webhooks for the gateway process: registry, a running dispatcher, and the routes to mount. */
export async function createWebhooks(deps: {
  bus: Bus;
  config: GatewayConfig;
  audit: AuditLog;
  metrics: Metrics;
  logger: Logger;
  tracer: Tracer;
}) {
  const { config } = deps;
  const registry = await WebhookRegistry.open({
    bus: deps.bus,
    secrets: await SecretBox.fromMasterKey(config.secretsKey),
    onError: (err) => deps.logger.warn({ err }, 'unreadable webhook record'),
  });
  const dispatcher = new WebhookDispatcher({
    bus: deps.bus,
    registry,
    metrics: deps.metrics,
    logger: deps.logger.child({ component: 'webhooks' }),
    tracer: deps.tracer,
    options: {
      maxAttempts: config.webhookMaxAttempts,
      backoffBaseMs: config.webhookBackoffBaseMs,
      backoffMaxMs: config.webhookBackoffMaxMs,
      timeoutMs: config.webhookTimeoutMs,
      breakerFailureThreshold: config.webhookBreakerFailures,
      breakerOpenMs: config.webhookBreakerOpenMs,
    },
  });
  await dispatcher.start();
  const routes = {
    plugin: webhookRoutes as FastifyPluginAsync<never>,
    options: {
      registry,
      dispatcher,
      tenantOf: (req: { principal: { tenant: string } }) => req.principal.tenant,
      actorOf: (req: { principal: { id: string } }) => req.principal.id,
      audit: (entry: Parameters<AuditLog['append']>[0]) => deps.audit.append(entry).then(() => {}),
      guards: { read: requireRole('operator', 'viewer'), write: requireRole() },
    },
  };
  const close = async () => {
    await dispatcher.close();
    await registry.close();
  };
  return { registry, dispatcher, routes, close };
}
