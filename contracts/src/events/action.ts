import { type Static, Type } from '@sinclair/typebox';
import { eventSchema } from '../envelope.ts';
import { RoomId } from '../ids.ts';
import { ActionItem, RiskVerdict } from './summary.ts';

/** Who took a decision: the policy itself (low risk) or a person (by API key / user id). */
export const Decider = Type.Object({
  kind: Type.Union([Type.Literal('policy'), Type.Literal('user')]),
  id: Type.String({ minLength: 1 }),
});
export type Decider = Static<typeof Decider>;

/**
 * A high-risk action waiting for a person. Internal: shown in the console and the approvals API,
 * never delivered to webhooks (nothing downstream may act on it before approval).
 */
export const ActionPendingData = Type.Object({
  room: RoomId,
  approvalId: Type.String(),
  item: ActionItem,
  risk: RiskVerdict,
});
export type ActionPendingData = Static<typeof ActionPendingData>;
export const ActionPendingV1 = eventSchema('action.pending', 1, ActionPendingData);

/** An action cleared for downstream side effects, by policy (low risk) or by a person. */
export const ActionApprovedData = Type.Object({
  room: RoomId,
  approvalId: Type.String(),
  item: ActionItem,
  risk: RiskVerdict,
  decidedBy: Decider,
  reason: Type.Union([Type.String(), Type.Null()]),
  /** True when the approver changed the item (owner, task, due) before approving. */
  edited: Type.Boolean(),
});
export type ActionApprovedData = Static<typeof ActionApprovedData>;
export const ActionApprovedV1 = eventSchema('action.approved', 1, ActionApprovedData);

export const ActionRejectedData = Type.Object({
  room: RoomId,
  approvalId: Type.String(),
  item: ActionItem,
  risk: RiskVerdict,
  decidedBy: Decider,
  reason: Type.Union([Type.String(), Type.Null()]),
});
export type ActionRejectedData = Static<typeof ActionRejectedData>;
export const ActionRejectedV1 = eventSchema('action.rejected', 1, ActionRejectedData);
