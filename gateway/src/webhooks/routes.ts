import { AppError, WebhookCreate, type WebhookEndpoint } from '@mi/contracts';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebhookDispatcher } from './dispatcher.ts';
import type { WebhookRegistry } from './registry.ts';

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const Params = Type.Object({ id: Id });
const EnabledPatch = Type.Object(
  { enabled: Type.Boolean(), reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);
const ReplayRequest = Type.Object(
  {
    /** Dead-letter ids; absent means all of the endpoint's. */
    ids: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 1000, uniqueItems: true })),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export type WebhookAuditEntry = {
  tenant: string;
  actor: { kind: 'user'; id: string };
  action: string;
  target: { kind: string; id: string };
  reason: string | null;
  before?: unknown;
  after?: unknown;
};

export type WebhookRoutesOptions = {
  registry: WebhookRegistry;
  dispatcher: WebhookDispatcher;
  tenantOf(request: FastifyRequest): string;
  actorOf(request: FastifyRequest): string;
  audit(entry: WebhookAuditEntry): Promise<void>;
  /** Access checks run before handlers (e.g. `requireRole('operator')` for changes); none by default. */
  guards?: { read?: (request: FastifyRequest) => Promise<void>; write?: (request: FastifyRequest) => Promise<void> };
};

type WithId = { Params: Static<typeof Params> };

/**
 * Webhook endpoints API. Every lookup is scoped to the caller's tenant: another tenant's endpoint
 * is indistinguishable from a missing one (404). Changes go to the audit log.
 */
export async function webhookRoutes(app: FastifyInstance, opts: WebhookRoutesOptions): Promise<void> {
  const { registry, dispatcher } = opts;
  const read = opts.guards?.read ? { preHandler: opts.guards.read } : {};
  const write = opts.guards?.write ? { preHandler: opts.guards.write } : {};
  const actor = (req: FastifyRequest) => ({ kind: 'user' as const, id: opts.actorOf(req) });
  const target = (id: string) => ({ kind: 'webhook', id });

  /** The caller's endpoint, or 404. */
  async function owned(req: FastifyRequest<WithId>): Promise<{ tenant: string; endpoint: WebhookEndpoint }> {
    const tenant = opts.tenantOf(req);
    const endpoint = await registry.get(req.params.id, tenant);
    if (!endpoint) throw new AppError('ERR_NOT_FOUND', `webhook ${req.params.id} not found`);
    return { tenant, endpoint };
  }

  app.post<{ Body: WebhookCreate }>(
    '/v1/webhooks',
    { ...write, schema: { body: WebhookCreate } },
    async (req, reply) => {
      const tenant = opts.tenantOf(req);
      const { endpoint, secret } = await registry.create(tenant, req.body);
      await opts.audit({
        tenant,
        actor: actor(req),
        action: 'webhook.create',
        target: target(endpoint.id),
        reason: null,
        after: endpoint,
      });
      // The only time the secret is shown: it is stored sealed and never returned again.
      return reply.status(201).send({ ...endpoint, secret });
    },
  );

  app.get('/v1/webhooks', read, async (req) => ({ webhooks: await registry.list(opts.tenantOf(req)) }));

  app.get<WithId>('/v1/webhooks/:id', { ...read, schema: { params: Params } }, async (req) => {
    const { endpoint } = await owned(req);
    return { ...endpoint, stats: dispatcher.endpointStats(endpoint.id) };
  });

  app.delete<WithId>('/v1/webhooks/:id', { ...write, schema: { params: Params } }, async (req, reply) => {
    const { tenant, endpoint } = await owned(req);
    await registry.delete(endpoint.id);
    await dispatcher.forgetEndpoint(endpoint.id);
    await opts.audit({
      tenant,
      actor: actor(req),
      action: 'webhook.delete',
      target: target(endpoint.id),
      reason: null,
      before: endpoint,
    });
    return reply.status(204).send();
  });

  app.patch<WithId & { Body: Static<typeof EnabledPatch> }>(
    '/v1/webhooks/:id',
    { ...write, schema: { params: Params, body: EnabledPatch } },
    async (req) => {
      const { tenant, endpoint } = await owned(req);
      const updated = await registry.setEnabled(endpoint.id, req.body.enabled);
      if (!updated) throw new AppError('ERR_NOT_FOUND', `webhook ${endpoint.id} not found`);
      if (updated.enabled !== endpoint.enabled) {
        await opts.audit({
          tenant,
          actor: actor(req),
          action: updated.enabled ? 'webhook.enable' : 'webhook.disable',
          target: target(endpoint.id),
          reason: req.body.reason ?? null,
          before: { enabled: endpoint.enabled },
          after: { enabled: updated.enabled },
        });
      }
      return updated;
    },
  );

  app.get<WithId>('/v1/webhooks/:id/dead-letters', { ...read, schema: { params: Params } }, async (req) => {
    const { endpoint } = await owned(req);
    return { deadLetters: await dispatcher.listDeadLetters(endpoint.id) };
  });

  app.post<WithId & { Body: Static<typeof ReplayRequest> }>(
    '/v1/webhooks/:id/dead-letters/replay',
    {
      ...write,
      schema: { params: Params, body: ReplayRequest },
      // "Replay everything" may come without a body at all.
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req, reply) => {
      const { tenant, endpoint } = await owned(req);
      // A disabled endpoint would skip every replayed delivery: say so instead of pretending.
      if (!endpoint.enabled) throw new AppError('ERR_CONFLICT', `webhook ${endpoint.id} is disabled; enable it first`);
      const ids = req.body.ids;
      const count = await dispatcher.replayDeadLetters(endpoint.id, ids);
      await opts.audit({
        tenant,
        actor: actor(req),
        action: 'webhook.replay',
        target: target(endpoint.id),
        reason: req.body.reason ?? null,
        after: { ids: ids ?? 'all', count },
      });
      return reply.status(202).send({ count });
    },
  );
}
