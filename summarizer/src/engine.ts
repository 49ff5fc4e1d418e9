import type { SummaryBullet } from '@mi/contracts';
import {
  type ExtractionDelta,
  type ExtractorState,
  type MeetingContext,
  MeetingExtractor,
  type Segment,
} from './rules/index.ts';

export type EngineResult = {
  delta: ExtractionDelta;
  /** Rules state after this segment (always kept, so rules can take over at any moment). */
  state: ExtractorState;
  summary: SummaryBullet[];
  engine: 'rules' | 'llm';
  /** The preferred engine failed and rules answered instead. */
  degraded: boolean;
  reason?: string;
};

export type EngineInput = {
  ctx: MeetingContext;
  state: ExtractorState | undefined;
  segment: Segment;
  /** The previous few segments, oldest first, for engines that want context. */
  recent: Segment[];
  maxBullets: number;
};

/** Turns one finished segment into changes of the meeting's items. Rules by default; see llm-engine.ts. */
export interface ExtractionEngine {
  readonly name: 'rules' | 'llm';
  extract(input: EngineInput): Promise<EngineResult>;
}

export function runRules(input: EngineInput): EngineResult {
  const extractor = new MeetingExtractor(input.ctx, input.state);
  const delta = extractor.add(input.segment);
  return {
    delta,
    state: extractor.state(),
    summary: extractor.summary(input.maxBullets),
    engine: 'rules',
    degraded: false,
  };
}

export const rulesEngine: ExtractionEngine = {
  name: 'rules',
  extract: async (input) => runRules(input),
};
