import { EventEmitter } from 'node:events';
import type { SfuMethod, SfuNotification, SfuNotificationData, SfuRequestData, SfuResult } from '@mi/contracts';
import WebSocket from 'ws';

export class SignalingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Notifications = { [N in SfuNotification]: [SfuNotificationData<N>] };
export type SignalingClientEvents = Notifications & { close: [code: number, reason: string] };

/**
 * Node client of the SFU signaling protocol (contracts/src/api/sfu.ts): typed requests and
 * notifications. Used by bots (RTP publishing), tests and benchmarks.
 */
export class SignalingClient extends EventEmitter<SignalingClientEvents> {
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  closeCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    super();
    socket.on('message', (data) => this.#onMessage(String(data)));
    socket.on('close', (code, reason) => {
      this.closeCode = code;
      for (const p of this.#pending.values()) p.reject(new SignalingError('ERR_CLOSED', `socket closed (${code})`));
      this.#pending.clear();
      this.emit('close', code, reason.toString());
    });
  }

  /** Opens the socket; rejects with the close code when the server refuses it (e.g. 4401). */
  static async connect(url: string): Promise<SignalingClient> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('close', (code, reason) => reject(new SignalingError(`CLOSE_${code}`, reason.toString())));
    });
    // A refusal arrives as a close right after the open.
    const client = new SignalingClient(socket);
    return client;
  }

  request<M extends SfuMethod>(method: M, data: SfuRequestData<M>): Promise<SfuResult<M>> {
    return this.raw(method, data) as Promise<SfuResult<M>>;
  }

  /** Sends any request (tests use it for malformed ones). */
  raw(method: string, data: unknown): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.socket.readyState !== WebSocket.OPEN) {
        reject(new SignalingError('ERR_CLOSED', 'socket is not open'));
        return;
      }
      this.#pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ type: 'request', id, method, data }));
    });
  }

  /** Waits for the next notification of a kind, optionally matching a predicate. */
  next<N extends SfuNotification>(
    method: N,
    match: (d: SfuNotificationData<N>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<SfuNotificationData<N>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off(method, on as never);
        reject(new Error(`no ${method} notification within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = (d: SfuNotificationData<N>) => {
        if (!match(d)) return;
        clearTimeout(timer);
        this.off(method, on as never);
        resolve(d);
      };
      this.on(method, on as never);
    });
  }

  close(): void {
    this.socket.close(1000, 'bye');
  }

  #onMessage(text: string): void {
    let msg: {
      type?: string;
      id?: number | null;
      ok?: boolean;
      data?: unknown;
      error?: { code: string; message: string };
      method?: string;
    };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.type === 'response') {
      const p = msg.id == null ? undefined : this.#pending.get(msg.id);
      if (!p || msg.id == null) return;
      this.#pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.data);
      else p.reject(new SignalingError(msg.error?.code ?? 'ERR', msg.error?.message ?? 'failed'));
    } else if (msg.type === 'notification' && msg.method) {
      this.emit(msg.method as SfuNotification, msg.data as never);
    }
  }
}
