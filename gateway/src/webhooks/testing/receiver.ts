import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A test webhook receiver on 127.0.0.1; never imported by production code. */
export type Reply = number | 'reset';
export type ReceivedRequest = {
  path: string;
  id: string;
  headers: Record<string, string>;
  body: string;
  /** Undefined until answered. */
  reply: Reply | undefined;
  at: number;
};
/** May answer late (a slow receiver) by returning a promise. */
export type ReplyFn = (req: { path: string; id: string; body: string; index: number }) => Reply | Promise<Reply>;

export type Receiver = {
  url(path?: string): string;
  readonly requests: ReceivedRequest[];
  /** Requests answered 2xx (optionally for one path). */
  delivered(path?: string): ReceivedRequest[];
  reply: ReplyFn;
  close(): Promise<void>;
};

function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export async function startReceiver(reply: ReplyFn = () => 200): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      const id = String(req.headers['webhook-id'] ?? '');
      const record: ReceivedRequest = {
        path,
        id,
        headers: flatten(req.headers),
        body,
        reply: undefined,
        at: Date.now(),
      };
      const index = requests.push(record) - 1;
      const answer = await receiver.reply({ path, id, body, index });
      record.reply = answer;
      if (answer === 'reset') {
        req.socket.destroy();
        return;
      }
      res.statusCode = answer;
      res.end(answer >= 300 ? 'not this time' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    requests,
    delivered: (path) =>
      requests.filter(
        (r) => typeof r.reply === 'number' && r.reply < 300 && r.reply >= 200 && (!path || r.path === path),
      ),
    reply,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}
