import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { eventSchema } from '../envelope.ts';
import { ParticipantId, RoomId } from '../ids.ts';

const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const SourceSegments = Type.Array(Type.String(), { description: 'transcript segment ids this came from' });

/** One line of the rolling summary. */
export const SummaryBullet = Type.Object({
  id: Type.String(),
  text: Type.String(),
  sourceSegments: SourceSegments,
});
export type SummaryBullet = Static<typeof SummaryBullet>;

export const Decision = Type.Object({
  id: Type.String(),
  text: Type.String(),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  sourceSegments: SourceSegments,
});
export type Decision = Static<typeof Decision>;

/** Where an item came from: the offline rules engine, or an LLM (then rules may have filled gaps). */
export const ExtractionEngine = Type.Union([Type.Literal('rules'), Type.Literal('llm')]);

export const RiskVerdict = Type.Object({
  level: Type.Union([Type.Literal('low'), Type.Literal('high')]),
  /** Ids of the policy rules that matched, with a human-readable reason each. */
  reasons: Type.Array(Type.Object({ rule: Type.String(), reason: Type.String() })),
  policyVersion: Type.String(),
});
export type RiskVerdict = Static<typeof RiskVerdict>;

export const ApprovalStatus = Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]);
export type ApprovalStatus = Static<typeof ApprovalStatus>;

export const ActionItem = Type.Object({
  id: Type.String({ description: 'stable id, derived from the source segments' }),
  owner: Type.Union([ParticipantId, Type.Null()], { description: 'participant id; null when unassigned' }),
  ownerName: Type.Union([Type.String(), Type.Null()]),
  task: Type.String({ minLength: 1 }),
  due: Type.Union([IsoDate, Type.Null()], { description: 'normalised against the meeting date' }),
  dueText: Type.Union([Type.String(), Type.Null()], { description: 'the words the due date came from' }),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  sourceSegments: SourceSegments,
  engine: ExtractionEngine,
});
export type ActionItem = Static<typeof ActionItem>;

/** An action item as the summary shows it: only items that passed the policy gate appear. */
export const GatedActionItem = Type.Intersect([
  ActionItem,
  Type.Object({ risk: RiskVerdict, status: Type.Literal('approved') }),
]);
export type GatedActionItem = Static<typeof GatedActionItem>;

/** How a list keyed by `id` changed: what a subscriber applies to its copy. */
export type Delta<T> = { added: T[]; updated: T[]; removed: string[] };

function delta<T extends TSchema>(item: T) {
  return Type.Object({
    added: Type.Array(item),
    updated: Type.Array(item),
    removed: Type.Array(Type.String(), { description: 'ids' }),
  });
}

export const SummaryUpdateData = Type.Object({
  room: RoomId,
  revision: Type.Integer({ minimum: 1, description: 'increases by one per update of this room' }),
  /** Segment(s) whose processing caused this update; empty when an approval caused it. */
  causedBy: Type.Array(Type.String()),
  bullets: delta(SummaryBullet),
  decisions: delta(Decision),
  actionItems: delta(GatedActionItem),
  engine: ExtractionEngine,
  /** True when the preferred engine (LLM) failed and rules produced this update. */
  degraded: Type.Boolean(),
});
export type SummaryUpdateData = Static<typeof SummaryUpdateData>;
export const SummaryUpdateV1 = eventSchema('summary.update', 1, SummaryUpdateData);

export const SummaryFinalData = Type.Object({
  room: RoomId,
  revision: Type.Integer({ minimum: 0 }),
  meetingDate: IsoDate,
  participants: Type.Array(Type.Object({ id: ParticipantId, name: Type.String() })),
  segments: Type.Integer({ minimum: 0, description: 'final transcript segments summarised' }),
  summary: Type.Array(SummaryBullet),
  decisions: Type.Array(Decision),
  actionItems: Type.Array(GatedActionItem, { description: 'approved items only' }),
  pendingApproval: Type.Integer({ minimum: 0, description: 'items still waiting for a person' }),
  engine: ExtractionEngine,
});
export type SummaryFinalData = Static<typeof SummaryFinalData>;
export const SummaryFinalV1 = eventSchema('summary.final', 1, SummaryFinalData);
