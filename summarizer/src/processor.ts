import type {
  ActionApprovedData,
  ActionItem,
  ActionRejectedData,
  Envelope,
  EventContext,
  GatedActionItem,
  Participant,
  Producer,
  RoomEndedData,
  SummaryFinalData,
  SummaryUpdateData,
  TranscriptFinalData,
} from '@mi/contracts';
import { makeEvent, subjects } from '@mi/contracts';
import { applyDelta, diffById, isEmptyDelta } from './diff.ts';
import type { ExtractionEngine } from './engine.ts';
import type { PolicyEvaluator } from './gate.ts';
import type { RoomState, TrackedItem } from './room-state.ts';
import type { ExtractedActionItem } from './rules/index.ts';

/** What can happen to a meeting. */
export type RoomInput =
  | { kind: 'segment'; event: Envelope<'transcript.final', TranscriptFinalData>; traceparent?: string }
  | {
      kind: 'decision';
      event: Envelope<'action.approved', ActionApprovedData> | Envelope<'action.rejected', ActionRejectedData>;
    }
  | { kind: 'stream'; stream: string; state: 'started' | 'ended'; participant: Participant }
  | { kind: 'end'; event: Envelope<'room.ended', RoomEndedData>; traceparent?: string };

export type ProcessorDeps = {
  engine: ExtractionEngine;
  gate: PolicyEvaluator;
  producer: Producer;
  maxBullets: number;
  now: () => Date;
};

export type StepResult = {
  /** False when the input changed nothing (a duplicate): nothing to save or publish. */
  changed: boolean;
  /** New action items sent to the policy gate by this step. */
  actionItemsProposed: number;
};

const RECENT = 6;

/**
 * Applies one input to a meeting's state, in place, queueing every side effect on `state.outbox`.
 * Deterministic given the state and input (ids derive from room, item and revision), so a step
 * repeated after a crash produces the same events, which the bus de-duplicates.
 */
export async function applyInput(state: RoomState, input: RoomInput, deps: ProcessorDeps): Promise<StepResult> {
  switch (input.kind) {
    case 'segment':
      return onSegment(state, input.event, input.traceparent, deps);
    case 'decision':
      return onDecision(state, input.event, deps);
    case 'stream':
      return onStream(state, input, deps);
    case 'end':
      return onEnd(state, input.event, input.traceparent, deps);
  }
}

function ctxOf(state: RoomState, deps: ProcessorDeps, correlationId = state.correlationId): EventContext {
  return { tenant: state.tenant, correlationId, producer: deps.producer, room: state.room };
}

function emit(state: RoomState, subject: string, event: Envelope, traceparent?: string): void {
  state.outbox.push({ kind: 'event', subject, event, ...(traceparent ? { traceparent } : {}) });
}

function toActionItem(x: ExtractedActionItem, state: RoomState, engine: 'rules' | 'llm'): ActionItem {
  const owner = x.owner && state.participants.some((p) => p.id === x.owner) ? x.owner : null;
  return {
    id: x.id,
    owner,
    ownerName: owner ? (state.participants.find((p) => p.id === owner)?.name ?? owner) : null,
    task: x.task,
    due: x.due,
    dueText: x.dueText,
    confidence: Math.min(1, Math.max(0, x.confidence)),
    sourceSegments: x.sourceSegments,
    engine,
  };
}

function gated(t: TrackedItem): GatedActionItem {
  return { ...t.item, risk: t.risk, status: 'approved' };
}

function approvedItems(state: RoomState): GatedActionItem[] {
  return Object.values(state.items)
    .filter((t) => t.status === 'approved')
    .map(gated);
}

async function onSegment(
  state: RoomState,
  ev: Envelope<'transcript.final', TranscriptFinalData>,
  traceparent: string | undefined,
  deps: ProcessorDeps,
): Promise<StepResult> {
  const seg = ev.data;
  if (state.segments.includes(seg.segmentId)) return { changed: false, actionItemsProposed: 0 };
  state.segments.push(seg.segmentId);
  state.lastActivityAt = deps.now().toISOString();
  if (!state.participants.some((p) => p.id === seg.speaker.id)) state.participants.push(seg.speaker);
  const segment = { id: seg.segmentId, speaker: seg.speaker.id, text: seg.text };
  if (!seg.text.trim()) return { changed: true, actionItemsProposed: 0 };

  const result = await deps.engine.extract({
    ctx: { meetingDate: state.meetingDate, participants: state.participants },
    state: state.extractor,
    segment,
    recent: state.recent,
    maxBullets: deps.maxBullets,
  });
  state.extractor = result.state;
  state.recent = [...state.recent, segment].slice(-RECENT);
  state.engine = result.engine;

  const ctx = ctxOf(state, deps, ev.correlationId);
  const before = approvedItems(state);
  let proposed = 0;
  for (const x of result.delta.actionItems.added) {
    if (state.items[x.id]) continue;
    proposed++;
    propose(state, toActionItem(x, state, result.engine), ctx, traceparent, deps);
  }
  for (const x of result.delta.actionItems.updated) {
    const t = state.items[x.id];
    if (!t) {
      proposed++;
      propose(state, toActionItem(x, state, result.engine), ctx, traceparent, deps);
      continue;
    }
    t.item = toActionItem(x, state, t.item.engine);
    if (t.status === 'pending') {
      state.outbox.push({ kind: 'approval-refresh', tenant: state.tenant, id: t.approvalId, item: t.item });
    }
  }
  for (const id of result.delta.actionItems.removed) {
    const t = state.items[id];
    if (t && t.status !== 'pending') delete state.items[id];
  }
  const nextDecisions = applyDelta(state.decisions, result.delta.decisions);
  const decisions = diffById(state.decisions, nextDecisions);
  state.decisions = nextDecisions;
  const bullets = diffById(state.bullets, result.summary);
  state.bullets = result.summary;
  const items = diffById(before, approvedItems(state));
  publishUpdate(
    state,
    ctx,
    deps,
    { causedBy: [seg.segmentId], decisions, actionItems: items, bullets, ...result },
    traceparent,
  );
  // A late segment after the meeting ended: the final summary must include it.
  if (state.ended) finalize(state, ctx, deps, traceparent);
  return { changed: true, actionItemsProposed: proposed };
}

/**
 * Approval ids are KV keys and URL segments: item ids come from segment ids such as
 * `st_x:34560-0`, so anything outside [A-Za-z0-9_-] is escaped as `=<hex>` (unique, reversible).
 */
export function approvalIdOf(room: string, itemId: string): string {
  return `${room}.${itemId.replace(/[^A-Za-z0-9_-]/g, (c) => `=${c.charCodeAt(0).toString(16)}`)}`;
}

/** Runs a new item through the policy gate: low risk is approved by policy, high risk waits for a person. */
function propose(
  state: RoomState,
  item: ActionItem,
  ctx: EventContext,
  traceparent: string | undefined,
  deps: ProcessorDeps,
): void {
  const risk = deps.gate.evaluate(item, { today: state.meetingDate, participants: state.participants });
  const approvalId = approvalIdOf(state.room, item.id);
  if (risk.level === 'low') {
    state.items[item.id] = { item, risk, status: 'approved', approvalId };
    const data: ActionApprovedData = {
      room: state.room,
      approvalId,
      item,
      risk,
      decidedBy: { kind: 'policy', id: risk.policyVersion },
      reason: 'low risk under policy',
      edited: false,
    };
    emit(
      state,
      subjects.actionApproved(state.room),
      makeEvent('action.approved', 1, data, ctx, `${approvalId}.approved`, deps.now()),
      traceparent,
    );
    return;
  }
  state.items[item.id] = { item, risk, status: 'pending', approvalId };
  const now = deps.now().toISOString();
  state.outbox.push({
    kind: 'approval',
    approval: {
      id: approvalId,
      tenant: state.tenant,
      room: state.room,
      status: 'pending',
      item,
      risk,
      createdAt: now,
      correlationId: ctx.correlationId,
      participants: [...state.participants],
    },
  });
  state.outbox.push({
    kind: 'audit',
    key: `${state.tenant}.${approvalId}.requested`,
    entry: {
      tenant: state.tenant,
      correlationId: ctx.correlationId,
      actor: { kind: 'policy', id: risk.policyVersion },
      action: 'approval.request',
      target: { kind: 'approval', id: approvalId },
      reason: risk.reasons.map((r) => `${r.rule}: ${r.reason}`).join('; '),
      after: { item, risk },
    },
  });
  emit(
    state,
    subjects.actionPending(state.room),
    makeEvent(
      'action.pending',
      1,
      { room: state.room, approvalId, item, risk },
      ctx,
      `${approvalId}.pending`,
      deps.now(),
    ),
    traceparent,
  );
}

type UpdateParts = Pick<
  SummaryUpdateData,
  'causedBy' | 'decisions' | 'actionItems' | 'bullets' | 'engine' | 'degraded'
>;

function publishUpdate(
  state: RoomState,
  ctx: EventContext,
  deps: ProcessorDeps,
  parts: UpdateParts,
  traceparent: string | undefined,
): void {
  if (isEmptyDelta(parts.decisions) && isEmptyDelta(parts.actionItems) && isEmptyDelta(parts.bullets)) return;
  state.revision++;
  const data: SummaryUpdateData = {
    room: state.room,
    revision: state.revision,
    causedBy: parts.causedBy,
    bullets: parts.bullets,
    decisions: parts.decisions,
    actionItems: parts.actionItems,
    engine: parts.engine,
    degraded: parts.degraded,
  };
  const id = `${state.room}.summary.${state.revision}`;
  emit(
    state,
    subjects.summaryUpdate(state.room),
    makeEvent('summary.update', 1, data, ctx, id, deps.now()),
    traceparent,
  );
}

/** A person approved or rejected a pending item (in the gateway); the summary follows. */
async function onDecision(
  state: RoomState,
  ev: Envelope<'action.approved', ActionApprovedData> | Envelope<'action.rejected', ActionRejectedData>,
  deps: ProcessorDeps,
): Promise<StepResult> {
  if (ev.data.decidedBy.kind !== 'user') return { changed: false, actionItemsProposed: 0 };
  const t = state.items[ev.data.item.id];
  const status = ev.type === 'action.approved' ? 'approved' : 'rejected';
  if (!t || t.status === status) return { changed: false, actionItemsProposed: 0 };
  const before = approvedItems(state);
  t.status = status;
  t.item = ev.data.item;
  state.lastActivityAt = deps.now().toISOString();
  const ctx = ctxOf(state, deps, ev.correlationId);
  const empty = { added: [], updated: [], removed: [] };
  const actionItems = diffById(before, approvedItems(state));
  const parts = { causedBy: [], decisions: empty, actionItems, bullets: empty, engine: state.engine, degraded: false };
  publishUpdate(state, ctx, deps, parts, undefined);
  if (state.ended) finalize(state, ctx, deps, undefined);
  return { changed: true, actionItemsProposed: 0 };
}

function onStream(
  state: RoomState,
  input: { stream: string; state: 'started' | 'ended'; participant: Participant },
  deps: ProcessorDeps,
): StepResult {
  const active = new Set(state.activeStreams);
  if (input.state === 'started') active.add(input.stream);
  else active.delete(input.stream);
  if (!state.participants.some((p) => p.id === input.participant.id)) state.participants.push(input.participant);
  const changed = active.size !== state.activeStreams.length;
  state.activeStreams = [...active];
  if (changed) state.lastActivityAt = deps.now().toISOString();
  return { changed, actionItemsProposed: 0 };
}

function onEnd(
  state: RoomState,
  ev: Envelope<'room.ended', RoomEndedData>,
  traceparent: string | undefined,
  deps: ProcessorDeps,
): StepResult {
  if (state.ended && state.finalizedAt === state.revision) return { changed: false, actionItemsProposed: 0 };
  state.ended = true;
  finalize(state, ctxOf(state, deps, ev.correlationId), deps, traceparent);
  return { changed: true, actionItemsProposed: 0 };
}

function finalize(state: RoomState, ctx: EventContext, deps: ProcessorDeps, traceparent: string | undefined): void {
  state.finalizedAt = state.revision;
  state.finals++;
  const data: SummaryFinalData = {
    room: state.room,
    revision: state.revision,
    meetingDate: state.meetingDate,
    participants: state.participants,
    segments: state.segments.length,
    summary: state.bullets,
    decisions: state.decisions,
    actionItems: approvedItems(state),
    pendingApproval: Object.values(state.items).filter((t) => t.status === 'pending').length,
    engine: state.engine,
  };
  emit(
    state,
    subjects.summaryFinal(state.room),
    makeEvent('summary.final', 1, data, ctx, `${state.room}.final.${state.finals}`, deps.now()),
    traceparent,
  );
}
