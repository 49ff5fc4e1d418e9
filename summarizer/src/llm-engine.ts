import { type EngineInput, type EngineResult, type ExtractionEngine, runRules } from './engine.ts';
import type { Extraction, ResilientExtractor } from './llm/index.ts';
import type { ExtractedActionItem, ExtractedDecision } from './rules/index.ts';

/** The resilient extractor's fallback: empty, because the engine below uses the rules' own delta. */
export const noExtraction = (): Extraction => ({ actionItems: [], decisions: [] });

/**
 * The LLM as an extraction engine. Rules always run first (they keep the meeting's state, so they
 * can take over at any moment); the LLM then answers for the new segment within its timeout. When
 * it does, its items replace the rules' new items for that segment; when it fails or its circuit
 * is open, the rules' answer goes out marked `degraded`. Rules' updates to earlier items (an
 * acceptance naming the owner) are kept either way.
 */
export function llmEngine(extractor: ResilientExtractor): ExtractionEngine {
  return {
    name: 'llm',
    async extract(input: EngineInput): Promise<EngineResult> {
      const rules = runRules(input);
      const { result, engine, degraded, reason } = await extractor.extract({
        meetingDate: input.ctx.meetingDate,
        participants: input.ctx.participants,
        context: input.recent,
        segment: input.segment,
      });
      if (engine === 'rules') return { ...rules, engine: 'rules', degraded, ...(reason ? { reason } : {}) };
      const seg = input.segment.id;
      const actionItems: ExtractedActionItem[] = result.actionItems.map((a, i) => ({
        ...a,
        id: `ai-${seg}-llm${i}`,
        sourceSegments: [seg],
      }));
      const decisions: ExtractedDecision[] = result.decisions.map((d, i) => ({
        ...d,
        id: `dec-${seg}-llm${i}`,
        sourceSegments: [seg],
      }));
      return {
        ...rules,
        delta: {
          actionItems: { ...rules.delta.actionItems, added: actionItems },
          decisions: { ...rules.delta.decisions, added: decisions },
        },
        engine: 'llm',
        degraded: false,
      };
    },
  };
}
