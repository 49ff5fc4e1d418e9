import { analyseSegment, type SegmentFacts } from './analyse.ts';
import { applyDecision } from './decision-ledger.ts';
import { decisionContent } from './decisions.ts';
import { ItemLedger } from './ledger.ts';
import { ParticipantIndex } from './names.ts';
import { bulletCandidates, cleanSentence, keepBest, selectBullets } from './summary.ts';
import type {
  Delta,
  ExtractedActionItem,
  ExtractedDecision,
  ExtractionDelta,
  ExtractorState,
  MeetingContext,
  Participant,
  RecentSegment,
  Segment,
  SummaryBullet,
} from './types.ts';

/** Recent turns kept for reference resolution ("it", "that one") and proposals. */
const RECENT = 4;

function emptyState(): ExtractorState {
  return { v: 1, segIndex: 0, seen: [], joined: [], recent: [], items: [], decisions: [], bullets: [] };
}

/** What changed between a snapshot and the live items; only changed items are copied. */
function diff<T extends { id: string }>(before: ReadonlyMap<string, string>, after: readonly T[]): Delta<T> {
  const added: T[] = [];
  const updated: T[] = [];
  const left = new Set(before.keys());
  for (const x of after) {
    const prev = before.get(x.id);
    left.delete(x.id);
    if (prev === undefined) added.push(structuredClone(x));
    else if (prev !== JSON.stringify(x)) updated.push(structuredClone(x));
  }
  return { added, updated, removed: [...left] };
}

const snapshot = <T extends { id: string }>(xs: readonly T[]) => new Map(xs.map((x) => [x.id, JSON.stringify(x)]));
const liveItems = (st: ExtractorState) => st.items.filter((r) => !r.latent).map((r) => r.item);
const liveDecisions = (st: ExtractorState) => st.decisions.map((r) => r.decision);

/**
 * Incremental rules extractor for one meeting: feed finished segments in order with add();
 * read action items, decisions and a rolling summary at any time; checkpoint with state().
 */
export class MeetingExtractor {
  readonly #ctx: MeetingContext;
  readonly #names: ParticipantIndex;
  readonly #state: ExtractorState;

  constructor(ctx: MeetingContext, state?: ExtractorState) {
    this.#ctx = { meetingDate: ctx.meetingDate, participants: [...ctx.participants] };
    this.#state = state ? structuredClone(state) : emptyState();
    this.#names = new ParticipantIndex([...ctx.participants, ...this.#state.joined]);
  }

  /** A participant who joined after the extractor was created. */
  addParticipant(p: Participant): void {
    if (this.#names.has(p.id)) return;
    this.#state.joined.push({ id: p.id, name: p.name });
    this.#names.add(p);
  }

  add(segment: Segment): ExtractionDelta {
    const st = this.#state;
    if (st.seen.includes(segment.id)) {
      return {
        actionItems: { added: [], updated: [], removed: [] },
        decisions: { added: [], updated: [], removed: [] },
      };
    }
    const itemsBefore = snapshot(liveItems(st));
    const decisionsBefore = snapshot(liveDecisions(st));
    const index = st.segIndex;
    st.seen.push(segment.id);
    st.segIndex++;
    if (segment.text.trim()) {
      const facts = analyseSegment(segment, {
        meetingDate: this.#ctx.meetingDate,
        names: this.#names,
        prevSpeaker: st.recent.at(-1)?.speaker ?? null,
        recent: st.recent,
      });
      new ItemLedger(st.items, segment, index, facts).apply();
      applyDecision(st.decisions, segment, index, facts, st.recent);
      st.bullets = keepBest(st.bullets, bulletCandidates(segment, facts, index));
      st.recent = [...st.recent, recentOf(segment, index, facts)].slice(-RECENT);
      // Needs nobody took up are forgotten once they can no longer be claimed.
      st.items = st.items.filter((r) => !r.latent || r.open);
    }
    return { actionItems: diff(itemsBefore, liveItems(st)), decisions: diff(decisionsBefore, liveDecisions(st)) };
  }

  actionItems(): ExtractedActionItem[] {
    return this.#state.items.filter((r) => !r.latent).map((r) => structuredClone(r.item));
  }

  decisions(): ExtractedDecision[] {
    return this.#state.decisions.map((r) => structuredClone(r.decision));
  }

  summary(max = 8): SummaryBullet[] {
    return selectBullets(this.#state.bullets, max);
  }

  state(): ExtractorState {
    return structuredClone(this.#state);
  }
}

function recentOf(seg: Segment, index: number, facts: SegmentFacts): RecentSegment {
  let lead = '';
  for (const s of facts.sentences) {
    if (s.question) continue;
    const text = cleanSentence(facts.tokens, s.start, s.end).replace(/[.…]$/, '');
    if (decisionContent(text) >= 2) {
      lead = text;
      break;
    }
  }
  return {
    id: seg.id,
    speaker: seg.speaker,
    index,
    nounPhrases: facts.nounPhrases.map((p) => p.text).slice(-6),
    objects: facts.objects.slice(-4),
    words: [...new Set(facts.words)].slice(0, 40),
    proposal: facts.proposal,
    lead,
  };
}

export function extractMeeting(
  ctx: MeetingContext,
  segments: readonly Segment[],
): { actionItems: ExtractedActionItem[]; decisions: ExtractedDecision[]; summary: SummaryBullet[] } {
  const x = new MeetingExtractor(ctx);
  for (const s of segments) x.add(s);
  return { actionItems: x.actionItems(), decisions: x.decisions(), summary: x.summary() };
}
