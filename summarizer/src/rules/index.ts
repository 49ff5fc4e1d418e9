// Offline rules engine of the meeting summarizer: action items, decisions and a rolling
// extractive summary from finished transcript segments, punctuated or raw ASR text.

export { asrNormalise } from './asr.ts';
export { extractMeeting, MeetingExtractor } from './extractor.ts';
export type {
  Delta,
  ExtractedActionItem,
  ExtractedDecision,
  ExtractionDelta,
  ExtractorState,
  MeetingContext,
  Participant,
  Segment,
  SummaryBullet,
} from './types.ts';
