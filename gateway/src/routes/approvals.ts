import type { Bus } from '@mi/bus';
import { headerNames } from '@mi/bus';
import {
  type ActionApprovedData,
  type ActionRejectedData,
  AppError,
  type Approval,
  ApprovalApprove,
  ApprovalReject,
  ApprovalStatus,
  makeEvent,
  subjects,
} from '@mi/contracts';
import type { ApprovalStore, AuditLog } from '@mi/governance';
import type { Metrics } from '@mi/telemetry';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth.ts';

const Params = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_.=-]{1,200}$' }) });
const Query = Type.Object({
  room: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
  status: Type.Optional(ApprovalStatus),
});

export type ApprovalRoutesOptions = {
  bus: Bus;
  approvals: ApprovalStore;
  audit: AuditLog;
  metrics: Metrics;
  producer: { service: string; version: string };
};

/**
 * The approval queue: people approve (optionally editing), or reject, high-risk actions. Only an
 * approval publishes `action.approved`, the event downstream side effects (webhooks) act on.
 * Every decision goes to the audit log with who, when and why.
 */
export async function approvalRoutes(app: FastifyInstance, opts: ApprovalRoutesOptions) {
  const read = { preHandler: requireRole('operator', 'viewer') };
  const decide = requireRole('operator');

  app.get<{ Querystring: { room?: string; status?: 'pending' | 'approved' | 'rejected' } }>(
    '/v1/approvals',
    { ...read, schema: { querystring: Query } },
    async (req) => ({ approvals: await opts.approvals.list(req.principal.tenant, req.query) }),
  );

  app.get<{ Params: { id: string } }>('/v1/approvals/:id', { ...read, schema: { params: Params } }, async (req) => {
    const a = await opts.approvals.get(req.principal.tenant, req.params.id);
    if (!a) return notFound(req.params.id);
    return a;
  });

  app.post<{ Params: { id: string }; Body: ApprovalApprove }>(
    '/v1/approvals/:id/approve',
    { preHandler: decide, schema: { params: Params, body: ApprovalApprove } },
    async (req) => {
      const by = { kind: 'user' as const, id: req.principal.id };
      const reason = req.body.reason ?? null;
      const edits = req.body.edits;
      const { before, after } = await opts.approvals.decide(req.principal.tenant, req.params.id, {
        kind: 'approve',
        by,
        reason,
        ...(edits ? { edits } : {}),
      });
      const data: ActionApprovedData = {
        room: after.room,
        approvalId: after.id,
        item: after.item,
        risk: after.risk,
        decidedBy: by,
        reason,
        edited: JSON.stringify(before.item) !== JSON.stringify(after.item),
      };
      await record(opts, req.id, before, after, 'approval.approve', reason);
      await publish(opts, after, 'action.approved', subjects.actionApproved(after.room), data);
      return after;
    },
  );

  app.post<{ Params: { id: string }; Body: ApprovalReject }>(
    '/v1/approvals/:id/reject',
    { preHandler: decide, schema: { params: Params, body: ApprovalReject } },
    async (req) => {
      const by = { kind: 'user' as const, id: req.principal.id };
      const { before, after } = await opts.approvals.decide(req.principal.tenant, req.params.id, {
        kind: 'reject',
        by,
        reason: req.body.reason,
      });
      const data: ActionRejectedData = {
        room: after.room,
        approvalId: after.id,
        item: after.item,
        risk: after.risk,
        decidedBy: by,
        reason: req.body.reason,
      };
      await record(opts, req.id, before, after, 'approval.reject', req.body.reason);
      await publish(opts, after, 'action.rejected', subjects.actionRejected(after.room), data);
      return after;
    },
  );
}

function notFound(id: string): never {
  throw new AppError('ERR_NOT_FOUND', `approval ${id} not found`);
}

async function record(
  opts: ApprovalRoutesOptions,
  requestId: string,
  before: Approval,
  after: Approval,
  action: string,
  reason: string | null,
) {
  await opts.audit.append(
    {
      tenant: after.tenant,
      correlationId: after.correlationId,
      actor: { kind: 'user', id: after.decidedBy?.id ?? 'unknown' },
      action,
      target: { kind: 'approval', id: after.id },
      reason,
      before: { status: before.status, item: before.item },
      after: { status: after.status, item: after.item, requestId },
    },
    `${after.tenant}.${after.id}.${after.status}`,
  );
  opts.metrics.approvalsPending.set(await opts.approvals.countPending());
}

async function publish<T extends 'action.approved' | 'action.rejected'>(
  opts: ApprovalRoutesOptions,
  a: Approval,
  type: T,
  subject: string,
  data: T extends 'action.approved' ? ActionApprovedData : ActionRejectedData,
) {
  const event = makeEvent(
    type,
    1,
    data,
    { tenant: a.tenant, correlationId: a.correlationId, producer: opts.producer, room: a.room },
    `${a.id}.${type === 'action.approved' ? 'approved' : 'rejected'}`,
  );
  await opts.bus.append(subject, new TextEncoder().encode(JSON.stringify(event)), {
    msgId: event.id,
    headers: { [headerNames.correlationId]: a.correlationId },
  });
  opts.metrics.events.inc({ type });
}
