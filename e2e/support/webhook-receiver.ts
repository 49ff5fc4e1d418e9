import type { Envelope } from '@mi/contracts';
import { type ReceivedRequest, type Receiver, startReceiver } from '@mi/gateway/testing';
import { Webhook } from 'standardwebhooks';

export type Delivery = { id: string; event: Envelope; verified: boolean; at: number };

/**
 * A downstream system's webhook endpoint on loopback (the gateway's test receiver): fails the first
 * `failFirst` requests with 503 (to exercise retries), and checks each delivery's Standard Webhooks
 * signature against the endpoint secret.
 */
export class WebhookReceiver {
  /** The endpoint's signing secret, as returned once when the webhook was created. */
  secret: string | undefined;

  private constructor(private readonly inner: Receiver) {}

  static async start(failFirst = 0): Promise<WebhookReceiver> {
    return new WebhookReceiver(await startReceiver(({ index }) => (index < failFirst ? 503 : 204)));
  }

  get url(): string {
    return this.inner.url('/hooks');
  }

  /** Requests received, failed ones included. */
  get requests(): number {
    return this.inner.requests.length;
  }

  get deliveries(): Delivery[] {
    return this.inner.delivered().map((r) => ({
      id: r.id,
      event: JSON.parse(r.body) as Envelope,
      verified: this.#verify(r),
      at: r.at,
    }));
  }

  ofType(type: string): Delivery[] {
    return this.deliveries.filter((d) => d.event.type === type);
  }

  #verify(r: ReceivedRequest): boolean {
    if (!this.secret) return false;
    try {
      new Webhook(this.secret).verify(r.body, r.headers);
      return true;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
