import type { ExtractedActionItem, ExtractedDecision, MeetingContext, Segment } from '../rules/index.ts';

// The naive reference the rules engine must beat: keyword spotting, one item per segment.

const ACTION = /\b(will|please|can you|need to)\b|'ll\b/i;
const DECISION = /\b(decided|decision|agreed|agree|let's go with)\b/i;

/** Any segment with "will|'ll|please|can you|need to" is an action item owned by its speaker, due null. */
export function baselineExtract(
  _ctx: MeetingContext,
  segments: readonly Segment[],
): { actionItems: ExtractedActionItem[]; decisions: ExtractedDecision[] } {
  const actionItems: ExtractedActionItem[] = [];
  const decisions: ExtractedDecision[] = [];
  for (const s of segments) {
    if (ACTION.test(s.text)) {
      actionItems.push({
        id: `ai-${s.id}-0`,
        owner: s.speaker,
        task: s.text,
        due: null,
        dueText: null,
        confidence: 0.5,
        sourceSegments: [s.id],
      });
    }
    if (DECISION.test(s.text))
      decisions.push({ id: `dec-${s.id}`, text: s.text, confidence: 0.5, sourceSegments: [s.id] });
  }
  return { actionItems, decisions };
}
