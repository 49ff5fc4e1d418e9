import { type Static, Type } from '@sinclair/typebox';
import { Decider } from '../events/action.ts';
import { ActionItem, ApprovalStatus, RiskVerdict } from '../events/summary.ts';
import { ParticipantId } from '../ids.ts';

/** A high-risk action in the approval queue, as the approvals API returns it. */
export const Approval = Type.Object(
  {
    id: Type.String(),
    tenant: Type.String(),
    room: Type.String(),
    status: ApprovalStatus,
    item: ActionItem,
    risk: RiskVerdict,
    createdAt: Type.String({ format: 'date-time' }),
    decidedAt: Type.Optional(Type.String({ format: 'date-time' })),
    decidedBy: Type.Optional(Decider),
    reason: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    correlationId: Type.String(),
    /** The meeting's participants when the item was proposed, so an approver can pick an owner. */
    participants: Type.Optional(Type.Array(Type.Object({ id: ParticipantId, name: Type.String() }))),
  },
  { $id: 'Approval' },
);
export type Approval = Static<typeof Approval>;

/** Approve, optionally editing the item first (the edit is audited with before/after). */
export const ApprovalApprove = Type.Object(
  {
    reason: Type.Optional(Type.String({ maxLength: 2000 })),
    edits: Type.Optional(
      Type.Object(
        {
          owner: Type.Optional(Type.Union([ParticipantId, Type.Null()])),
          task: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
          due: Type.Optional(Type.Union([Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), Type.Null()])),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'ApprovalApprove', additionalProperties: false },
);
export type ApprovalApprove = Static<typeof ApprovalApprove>;

export const ApprovalReject = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2000 }) },
  { $id: 'ApprovalReject', additionalProperties: false },
);
export type ApprovalReject = Static<typeof ApprovalReject>;
