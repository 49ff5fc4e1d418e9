import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Envelope } from '@mi/contracts';
import { Webhook } from 'standardwebhooks';

export type Delivery = { id: string; event: Envelope; verified: boolean; at: number };

/**
 * A downstream system's webhook endpoint on loopback: fails the first `failFirst` requests with
 * 503 (to exercise retries), then records every delivery with its Standard Webhooks signature check.
 */
export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  requests = 0;
  #server: Server;
  #secret: string | undefined;
  url = '';

  constructor(private readonly failFirst = 0) {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        this.requests++;
        if (this.requests <= this.failFirst) {
          res.writeHead(503).end();
          return;
        }
        this.deliveries.push({
          id: String(req.headers['webhook-id']),
          event: JSON.parse(body) as Envelope,
          verified: this.#verify(body, req.headers),
          at: Date.now(),
        });
        res.writeHead(204).end();
      });
    });
  }

  /** The endpoint's signing secret, as returned once when the webhook was created. */
  set secret(value: string) {
    this.#secret = value;
  }

  #verify(body: string, headers: IncomingHttpHeaders): boolean {
    if (!this.#secret) return false;
    try {
      new Webhook(this.#secret).verify(body, headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const a = this.#server.address();
    this.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/hooks`;
    return this;
  }

  ofType(type: string): Delivery[] {
    return this.deliveries.filter((d) => d.event.type === type);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
