import { buildMessages } from './prompt.ts';
import { parseReply } from './reply.ts';
import type { ChatCompleter, ExtractInput, Extraction } from './types.ts';

/** Asks a chat model for the items of one segment; any bad reply is an error (the caller falls back). */
export class LlmExtractor {
  constructor(private readonly client: ChatCompleter) {}

  async extract(input: ExtractInput, signal?: AbortSignal): Promise<Extraction> {
    const content = await this.client.complete(buildMessages(input), signal);
    return parseReply(content, input.participants);
  }
}
