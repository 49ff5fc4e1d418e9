export type Participant = { id: string; name: string };
export type Segment = { id: string; speaker: string; text: string };
export type MeetingContext = { meetingDate: string; participants: Participant[] };

export type ExtractedActionItem = {
  id: string;
  /** Participant id, or null when unassigned ("we", "someone"). */
  owner: string | null;
  /** Short imperative description without the owner's name and without the due phrase. */
  task: string;
  /** YYYY-MM-DD resolved against the meeting date. */
  due: string | null;
  /** The words the due date came from ("by friday"). */
  dueText: string | null;
  /** 0..1: strong commitments ("I will", "please") high, weak ones ("maybe I could") low. */
  confidence: number;
  sourceSegments: string[];
};

export type ExtractedDecision = { id: string; text: string; confidence: number; sourceSegments: string[] };
export type SummaryBullet = { id: string; text: string; sourceSegments: string[] };
export type Delta<T> = { added: T[]; updated: T[]; removed: string[] };
export type ExtractionDelta = { actionItems: Delta<ExtractedActionItem>; decisions: Delta<ExtractedDecision> };

/** An action item plus what the rules need to keep working on it in later segments. */
export type ItemRecord = {
  item: ExtractedActionItem;
  /** Held back until someone takes it ("I need the deck by Thursday" with nobody named yet). */
  latent: boolean;
  /** A later turn may still accept or claim it. */
  open: boolean;
  /** Segment index after which it can no longer be claimed. */
  openUntil: number;
  /** The owner was named by someone else and has not confirmed yet. */
  awaitingOwner: boolean;
  /** The task has no verb of its own ("that one's yours"): the acceptance may supply one. */
  vague: boolean;
  /** Content words of the request, for matching later turns that refer to it. */
  topic: string[];
  /** Noun phrase the item is about, used to resolve "it" in an acceptance. */
  object: string | null;
  /** Index of the last turn that added to it. */
  touchedAt: number;
};

export type DecisionRecord = { decision: ExtractedDecision; segIndex: number; words: string[] };

/** A verb (base form) and the noun phrase right after it. */
export type VerbObject = { verb: string; np: string };

/** A recent segment, reduced to what later segments need for reference resolution. */
export type RecentSegment = {
  id: string;
  speaker: string;
  index: number;
  /** Noun phrases in order of appearance (display text). */
  nounPhrases: string[];
  /** Noun phrases that are the object of a verb ("organize" → "a volunteer day"), for "organize it" later. Absent in older checkpoints. */
  objects?: VerbObject[];
  /** Content words, for matching proposals to decisions. */
  words: string[];
  /** The utterance proposes something ("how about …?", "should we …?"). */
  proposal: boolean;
  /** Its first informative sentence, for decisions that only say "let's go with that". */
  lead: string;
};

export type BulletCandidate = { id: string; text: string; score: number; order: number; sourceSegments: string[] };

/** JSON-serialisable checkpoint of a MeetingExtractor. */
export type ExtractorState = {
  v: 1;
  segIndex: number;
  seen: string[];
  joined: Participant[];
  recent: RecentSegment[];
  items: ItemRecord[];
  decisions: DecisionRecord[];
  bullets: BulletCandidate[];
};
