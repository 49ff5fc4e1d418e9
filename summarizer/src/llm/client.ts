import { TimeoutError } from '@mi/resilience';
import type { Metrics } from '@mi/telemetry';
import { LlmHttpError, LlmInvalidReplyError, LlmNetworkError } from './errors.ts';
import type { ChatCompleter, ChatMessage } from './types.ts';

export type OpenAiClientOptions = {
  /** API root, e.g. "https://api.openai.com/v1" or "http://localhost:11434/v1". */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Caps each request even when the caller passes no signal. */
  timeoutMs: number;
  fetch?: typeof fetch;
  metrics?: Pick<Metrics, 'inferenceCost'>;
};

type ChatCompletion = {
  choices?: { message?: { content?: unknown } }[];
  usage?: { total_tokens?: unknown };
};

/** Minimal client for any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama, llama.cpp…). */
export class OpenAiCompatibleClient implements ChatCompleter {
  private readonly url: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: OpenAiClientOptions) {
    this.url = `${opts.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.fetch = opts.fetch ?? globalThis.fetch;
  }

  /** Sends the messages, returns the first choice's text. JSON mode and temperature 0 keep replies parseable and repeatable. */
  async complete(messages: ChatMessage[], signal?: AbortSignal): Promise<string> {
    const own = AbortSignal.timeout(this.opts.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, own]) : own;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    const body = JSON.stringify({
      model: this.opts.model,
      messages,
      temperature: 0,
      response_format: { type: 'json_object' },
    });
    let text: string;
    let status: number;
    try {
      const res = await this.fetch(this.url, { method: 'POST', headers, body, signal: combined });
      status = res.status;
      text = await res.text();
    } catch (error) {
      throw this.abortReason(signal, own) ?? new LlmNetworkError(error);
    }
    if (status < 200 || status >= 300) throw new LlmHttpError(status, text);
    let reply: ChatCompletion;
    try {
      reply = JSON.parse(text) as ChatCompletion;
    } catch {
      throw new LlmInvalidReplyError('response body is not JSON');
    }
    const tokens = reply?.usage?.total_tokens;
    if (typeof tokens === 'number' && tokens > 0) {
      this.opts.metrics?.inferenceCost.inc({ engine: 'llm', unit: 'tokens' }, tokens);
    }
    const content = reply?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new LlmInvalidReplyError('no choices[0].message.content', '/choices/0');
    return content;
  }

  /** Why the request was aborted: the caller's reason (e.g. its TimeoutError), or our own timeout. */
  private abortReason(signal: AbortSignal | undefined, own: AbortSignal): unknown {
    if (signal?.aborted) return signal.reason;
    if (own.aborted) return new TimeoutError(this.opts.timeoutMs);
    return undefined;
  }
}
