import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Test support: a real HTTP server on 127.0.0.1 that speaks the chat-completions shape. */
export type FakeRequest = { path: string; headers: IncomingMessage['headers']; body: unknown };

/** How to answer: a chat reply's content, a raw HTTP response, or never. */
export type FakeAnswer = { content: string; totalTokens?: number } | { status: number; body: string } | 'hang';

export type FakeOpenAi = {
  baseUrl: string;
  requests: FakeRequest[];
  answer: (req: FakeRequest) => FakeAnswer;
  close(): Promise<void>;
};

export async function startFakeOpenAi(answer: (req: FakeRequest) => FakeAnswer): Promise<FakeOpenAi> {
  const fake = { requests: [] as FakeRequest[], answer };
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const request = { path: req.url ?? '', headers: req.headers, body: JSON.parse(raw || 'null') as unknown };
    fake.requests.push(request);
    const a = fake.answer(request);
    if (a === 'hang') return;
    if ('status' in a) {
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
      return;
    }
    const body = {
      id: 'chatcmpl-test',
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: a.content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: a.totalTokens ?? 0 },
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        // Hung requests would otherwise keep close() waiting forever.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
