export { type OpenAiClientOptions, OpenAiCompatibleClient } from './client.ts';
export { type LlmConfig, LlmConfigSchema, llmConfigFromEnv } from './config.ts';
export { createResilientExtractor } from './create.ts';
export { LlmHttpError, LlmInvalidReplyError, LlmNetworkError } from './errors.ts';
export { LlmExtractor } from './extractor.ts';
export { buildMessages } from './prompt.ts';
export { parseReply } from './reply.ts';
export {
  type FallbackReason,
  ResilientExtractor,
  type ResilientExtractorOptions,
  type ResilientResult,
  type SegmentExtractor,
} from './resilient.ts';
export type {
  ChatCompleter,
  ChatMessage,
  ExtractedDecision,
  ExtractedItem,
  ExtractInput,
  Extraction,
  TranscriptLine,
} from './types.ts';
