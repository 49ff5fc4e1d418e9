import type { Bus } from '@mi/bus';
import {
  type Decision,
  type Delta,
  type Envelope,
  type GatedActionItem,
  type SummaryBullet,
  type SummaryFinalData,
  type SummaryUpdateData,
  streams,
  subjects,
} from '@mi/contracts';

export type SummaryView = {
  room: string;
  revision: number;
  final: boolean;
  summary: SummaryBullet[];
  decisions: Decision[];
  actionItems: GatedActionItem[];
  pendingApproval?: number;
};

function apply<T extends { id: string }>(list: Map<string, T>, d: Delta<T>): void {
  for (const id of d.removed) list.delete(id);
  for (const x of [...d.added, ...d.updated]) list.set(x.id, x);
}

/**
 * A room's summary as its subscribers see it: the latest final summary when the meeting ended,
 * otherwise every `summary.update` diff folded in revision order. Read from the EVENTS stream, so
 * the gateway needs no access to the summarizer's own state.
 */
export async function roomSummary(bus: Bus, room: string): Promise<SummaryView | null> {
  const updates = new Map<number, SummaryUpdateData>();
  let final: SummaryFinalData | undefined;
  const sub = await bus.replay(
    streams.EVENTS.name,
    { filterSubject: `v1.summary.${room}.>`, from: { kind: 'all' }, live: false },
    (m) => {
      const e = JSON.parse(Buffer.from(m.data).toString('utf8')) as Envelope;
      if (m.subject === subjects.summaryUpdate(room)) {
        const d = e.data as SummaryUpdateData;
        updates.set(d.revision, d);
      } else if (m.subject === subjects.summaryFinal(room)) {
        const d = e.data as SummaryFinalData;
        if (!final || d.revision >= final.revision) final = d;
      }
    },
  );
  await sub.done;
  await sub.unsubscribe();
  const lastRevision = Math.max(0, ...updates.keys());
  if (final && final.revision >= lastRevision) {
    return {
      room,
      revision: final.revision,
      final: true,
      summary: final.summary,
      decisions: final.decisions,
      actionItems: final.actionItems,
      pendingApproval: final.pendingApproval,
    };
  }
  if (updates.size === 0) return null;
  const bullets = new Map<string, SummaryBullet>();
  const decisions = new Map<string, Decision>();
  const items = new Map<string, GatedActionItem>();
  for (const rev of [...updates.keys()].sort((a, b) => a - b)) {
    const u = updates.get(rev)!;
    apply(bullets, u.bullets);
    apply(decisions, u.decisions);
    apply(items, u.actionItems);
  }
  // Bullets keep meeting order (ids are assigned in order by the summarizer).
  return {
    room,
    revision: lastRevision,
    final: false,
    summary: [...bullets.values()],
    decisions: [...decisions.values()],
    actionItems: [...items.values()],
  };
}
