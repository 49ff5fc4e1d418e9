import { gunzipSync, gzipSync } from 'node:zlib';
import type { ActionItem, Approval, Decision, Envelope, Participant, RiskVerdict, SummaryBullet } from '@mi/contracts';
import type { AuditInput } from '@mi/governance';
import type { ExtractorState } from './rules/index.ts';

/** An action item and where it stands at the policy gate. */
export type TrackedItem = {
  item: ActionItem;
  risk: RiskVerdict;
  status: 'approved' | 'pending' | 'rejected';
  approvalId: string;
};

/**
 * Side effects of one processing step, saved with the state before any is carried out
 * (transactional outbox): after a crash they are carried out again, and each is idempotent
 * (events by msgId, approvals create-if-absent, audit by key).
 */
export type Effect =
  | { kind: 'event'; subject: string; event: Envelope; traceparent?: string }
  | { kind: 'approval'; approval: Approval }
  | { kind: 'approval-refresh'; tenant: string; id: string; item: ActionItem }
  | { kind: 'audit'; entry: AuditInput; key: string };

/** Everything the summarizer knows about one meeting; stored in KV per room. */
export type RoomState = {
  v: 1;
  tenant: string;
  room: string;
  meetingDate: string;
  correlationId: string;
  participants: Participant[];
  /** Processed segment ids, oldest first (idempotency and ordering). */
  segments: string[];
  /** The last few segments, for engines that want context. */
  recent: { id: string; speaker: string; text: string }[];
  extractor: ExtractorState | undefined;
  items: Record<string, TrackedItem>;
  decisions: Decision[];
  bullets: SummaryBullet[];
  /** summary.update revision, +1 per update. */
  revision: number;
  /** Revision the last summary.final was made at (-1: none yet). */
  finalizedAt: number;
  finals: number;
  activeStreams: string[];
  lastActivityAt: string;
  ended: boolean;
  engine: 'rules' | 'llm';
  outbox: Effect[];
};

export function newRoomState(init: {
  tenant: string;
  room: string;
  meetingDate: string;
  correlationId: string;
  now: Date;
}): RoomState {
  const { now, ...ids } = init;
  return {
    v: 1,
    ...ids,
    participants: [],
    segments: [],
    recent: [],
    extractor: undefined,
    items: {},
    decisions: [],
    bullets: [],
    revision: 0,
    finalizedAt: -1,
    finals: 0,
    activeStreams: [],
    lastActivityAt: now.toISOString(),
    ended: false,
    engine: 'rules',
    outbox: [],
  };
}

// State grows with the meeting (rules state, segment ids); gzip keeps long meetings well under
// the 1 MB default NATS message limit (about 10x on this JSON).
export function encodeState(s: RoomState): Uint8Array {
  return gzipSync(JSON.stringify(s));
}

export function decodeState(b: Uint8Array): RoomState {
  return JSON.parse(gunzipSync(b).toString('utf8')) as RoomState;
}
