import {
  compiled,
  type RoomTokenClaims,
  type SfuMethod,
  SfuRequestFrame,
  sfuCloseCodes,
  sfuErrorCodes,
  sfuPath,
  sfuRequests,
} from '@mi/contracts';
import type { Logger, Metrics } from '@mi/telemetry';
import type { TSchema } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { SfuConfig } from './config.ts';
import { Peer } from './peer.ts';
import type { RoomRegistry } from './room-registry.ts';
import { verifyRoomToken } from './room-token.ts';
import { SfuError, toSfuError } from './sfu-error.ts';

export type SfuSignalingOptions = {
  registry: RoomRegistry;
  config: SfuConfig;
  logger: Logger;
  metrics: Metrics;
};

const checkFrame = compiled(SfuRequestFrame);
const dataCheckers = Object.fromEntries(
  Object.entries(sfuRequests).map(([method, spec]) => [method, compiled(spec.data)]),
) as unknown as Record<SfuMethod, TypeCheck<TSchema>>;

/** Fastify plugin: SFU signaling WebSocket (protocol in contracts/src/api/sfu.ts). */
export async function sfuSignalingPlugin(app: FastifyInstance, opts: SfuSignalingOptions): Promise<void> {
  app.get(sfuPath, { websocket: true }, (socket, req) => {
    const token = (req.query as { token?: string }).token ?? '';
    new SignalingSession(socket, opts).run(token);
  });
}

/** One signaling socket: authenticates by room token, then serves requests for its peer. */
class SignalingSession {
  #peer: Promise<Peer | undefined> = Promise.resolve(undefined);
  #inflight = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly opts: SfuSignalingOptions,
  ) {}

  run(token: string): void {
    const check = verifyRoomToken(token, this.opts.config.tokenSecret);
    if (!check.ok) {
      this.socket.close(sfuCloseCodes.unauthorized, check.reason);
      return;
    }
    this.#peer = this.#open(check.claims);
    this.socket.on('message', (data: Buffer, isBinary: boolean) => void this.#onMessage(data, isBinary));
    this.socket.on('close', () => void this.#peer.then((p) => p?.close('socket closed')));
    this.socket.on('error', () => undefined);
  }

  async #open(claims: RoomTokenClaims): Promise<Peer | undefined> {
    try {
      const room = await this.opts.registry.get(claims.room, claims.tenant);
      const channel = {
        send: (text: string) => {
          if (this.socket.readyState === this.socket.OPEN) this.socket.send(text);
        },
        close: (code: number, reason: string) => {
          if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason.slice(0, 120));
        },
      };
      const { config, logger, metrics } = this.opts;
      const peer = new Peer(
        claims,
        room,
        channel,
        config,
        logger.child({ room: room.id, peer: claims.participant.id }),
        metrics,
      );
      room.attach(peer);
      // The socket may have closed while the room was being created.
      if (this.socket.readyState !== this.socket.OPEN) peer.close('socket closed');
      return peer;
    } catch (err) {
      const e = toSfuError(err);
      const code =
        e.code === sfuErrorCodes.forbidden
          ? sfuCloseCodes.unauthorized
          : e.code === sfuErrorCodes.notFound
            ? sfuCloseCodes.roomReset
            : 1011;
      this.socket.close(code, e.message.slice(0, 120));
      return undefined;
    }
  }

  async #onMessage(data: Buffer, isBinary: boolean): Promise<void> {
    let id: number | null = null;
    let method = 'unknown';
    try {
      if (isBinary) throw new SfuError(sfuErrorCodes.badRequest, 'signaling frames are JSON text');
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString('utf8'));
      } catch {
        throw new SfuError(sfuErrorCodes.badRequest, 'not JSON');
      }
      const rawId = (frame as { id?: unknown })?.id;
      if (Number.isInteger(rawId) && (rawId as number) >= 0) id = rawId as number;
      if (!checkFrame.Check(frame)) throw new SfuError(sfuErrorCodes.badRequest, 'not a request frame');
      if (!(frame.method in sfuRequests))
        throw new SfuError(sfuErrorCodes.unknownMethod, `unknown method ${frame.method}`);
      method = frame.method;
      const payload = frame.data ?? {};
      const dataCheck = dataCheckers[method as SfuMethod];
      if (!dataCheck.Check(payload)) {
        const first = [...dataCheck.Errors(payload)][0];
        throw new SfuError(
          sfuErrorCodes.badRequest,
          `invalid data: ${first ? `${first.path || '/'} ${first.message}` : ''}`,
        );
      }
      if (this.#inflight >= this.opts.config.maxInflightRequests) {
        throw new SfuError(sfuErrorCodes.tooMany, 'too many requests in flight');
      }
      this.#inflight++;
      try {
        const peer = await this.#peer;
        if (!peer) throw new SfuError(sfuErrorCodes.notJoined, 'no session');
        const result = await peer.handle(method as SfuMethod, payload as never);
        this.#respond({ type: 'response', id, ok: true, data: result });
        this.opts.metrics.sfuRequests.inc({ method, outcome: 'ok' });
      } finally {
        this.#inflight--;
      }
    } catch (err) {
      const e = toSfuError(err);
      if (e.code === sfuErrorCodes.internal)
        this.opts.logger.error({ err: (err as Error).message, method }, 'signaling request failed');
      this.#respond({ type: 'response', id, ok: false, error: { code: e.code, message: e.message } });
      this.opts.metrics.sfuRequests.inc({ method, outcome: e.code });
    }
  }

  #respond(frame: unknown): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(frame));
  }
}
