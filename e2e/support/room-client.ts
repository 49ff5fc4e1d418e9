import type { Envelope, TranscriptFinalData, TranscriptPartialData } from '@mi/contracts';
import { WebSocket } from 'ws';

export type Received = { seq: number; event: Envelope; at: number };

/** Follows a room's event stream over the gateway WebSocket, recording arrival times. */
export class RoomClient {
  readonly events: Received[] = [];
  #ws: WebSocket;
  readonly opened: Promise<void>;

  constructor(baseUrl: string, room: string, query = '') {
    this.#ws = new WebSocket(`ws${baseUrl.slice(4)}/v1/rooms/${room}/ws${query}`);
    this.#ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { seq: number; event: Envelope };
      this.events.push({ ...m, at: Date.now() });
    });
    this.opened = new Promise((resolve, reject) => {
      this.#ws.once('open', () => resolve());
      this.#ws.once('error', reject);
    });
  }

  finals(): (Received & { event: Envelope<'transcript.final', TranscriptFinalData> })[] {
    return this.events.filter((e) => e.event.type === 'transcript.final') as never;
  }

  partials(): (Received & { event: Envelope<'transcript.partial', TranscriptPartialData> })[] {
    return this.events.filter((e) => e.event.type === 'transcript.partial') as never;
  }

  async waitFor(pred: () => boolean, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > until) throw new Error('timed out waiting for room events');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    this.#ws.close();
  }
}
