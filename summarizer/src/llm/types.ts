import type { Participant } from '@mi/contracts';

export type TranscriptLine = { id: string; speaker: string; text: string };

/** What the extractor is asked about: the newest segment, with the few before it as context. */
export type ExtractInput = {
  meetingDate: string;
  participants: Participant[];
  /** Earlier segments, oldest first; only for resolving references. */
  context: TranscriptLine[];
  segment: TranscriptLine;
};

export type ExtractedItem = {
  /** A participant id, or null when unassigned. */
  owner: string | null;
  task: string;
  /** YYYY-MM-DD. */
  due: string | null;
  dueText: string | null;
  confidence: number;
};

export type ExtractedDecision = { text: string; confidence: number };

/** Action items and decisions stated in one segment; the shape both the LLM and the rules fallback produce. */
export type Extraction = { actionItems: ExtractedItem[]; decisions: ExtractedDecision[] };

export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/** Anything that answers chat messages with text (the HTTP client, or a stub). */
export interface ChatCompleter {
  complete(messages: ChatMessage[], signal?: AbortSignal): Promise<string>;
}
