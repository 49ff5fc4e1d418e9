import { performance } from 'node:perf_hooks';
import {
  asrNormalise,
  type ExtractedActionItem,
  type ExtractedDecision,
  type MeetingContext,
  MeetingExtractor,
  type Segment,
} from '../rules/index.ts';
import type { LabelledMeeting } from './load.ts';
import { countActionItems, countDecisions, type Figures, figures, type MeetingCounts, sumCounts } from './score.ts';

// Runs an extractor over labelled meetings and scores it, per meeting and micro-averaged.

export type Variant = 'original' | 'asr';
export type Extract = (
  ctx: MeetingContext,
  segments: readonly Segment[],
) => { actionItems: ExtractedActionItem[]; decisions: ExtractedDecision[] };

export type MeetingResult = { id: string; counts: MeetingCounts; figures: Figures };
export type SetResult = { meetings: MeetingResult[]; overall: Figures; counts: MeetingCounts };

export function variantSegments(m: LabelledMeeting, variant: Variant): Segment[] {
  return variant === 'asr' ? m.segments.map((s) => ({ ...s, text: asrNormalise(s.text) })) : m.segments;
}

export const ctxOf = (m: LabelledMeeting): MeetingContext => ({
  meetingDate: m.meetingDate,
  participants: m.participants,
});

export function evaluate(meetings: readonly LabelledMeeting[], extract: Extract, variant: Variant): SetResult {
  const results = meetings.map((m) => {
    const out = extract(ctxOf(m), variantSegments(m, variant));
    const counts: MeetingCounts = {
      actionItems: countActionItems(out.actionItems, m.expected.actionItems),
      decisions: countDecisions(out.decisions, m.expected.decisions),
    };
    return { id: m.id, counts, figures: figures(counts) };
  });
  const counts = sumCounts(results.map((r) => r.counts));
  return { meetings: results, overall: figures(counts), counts };
}

/** The rules engine fed one segment at a time, as in a live meeting; records each add() in ms. */
export function incrementalExtract(timings?: number[]): Extract {
  return (ctx, segments) => {
    const x = new MeetingExtractor(ctx);
    for (const s of segments) {
      const t0 = performance.now();
      x.add(s);
      timings?.push(performance.now() - t0);
    }
    return { actionItems: x.actionItems(), decisions: x.decisions() };
  };
}
