import {
  type RoomTokenClaims,
  type SfuMethod,
  type SfuNotification,
  type SfuNotificationData,
  type SfuPeerInfo,
  type SfuRequestData,
  type SfuResult,
  sfuCloseCodes,
  sfuErrorCodes,
} from '@mi/contracts';
import type { Logger, Metrics } from '@mi/telemetry';
import type { types } from 'mediasoup';
import type { SfuConfig } from './config.ts';
import type { Room } from './room.ts';
import { SfuError } from './sfu-error.ts';

type Source = 'mic' | 'camera' | 'screen' | 'file';

/** The connection a peer talks through (a signaling WebSocket, or a test double). */
export interface PeerChannel {
  send(text: string): void;
  close(code: number, reason: string): void;
}

/** What one participant may hold: a send and a receive transport (plus RTP ingest), a few tracks, everyone else's tracks. */
const perPeerLimits = { transports: 4, producers: 8, consumers: 500 } as const;

type Handlers = { [M in SfuMethod]: (data: SfuRequestData<M>) => Promise<SfuResult<M>> };

/**
 * One participant in one room: its transports, producers and consumers, and the handlers of
 * its signaling requests. Everything it created is closed when it leaves.
 */
export class Peer {
  readonly id: string;
  readonly name: string;
  readonly correlationId: string;
  #joined = false;
  #closed = false;
  #rtpCapabilities: types.RtpCapabilities | undefined;
  readonly #transports = new Map<string, types.Transport>();
  readonly #producers = new Map<string, { producer: types.Producer; source: Source }>();
  readonly #consumers = new Map<string, types.Consumer>();
  readonly #creating = { transports: 0, producers: 0, consumers: 0 };

  constructor(
    readonly claims: RoomTokenClaims,
    readonly room: Room,
    private readonly channel: PeerChannel,
    private readonly config: SfuConfig,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.id = claims.participant.id;
    this.name = claims.participant.name;
    this.correlationId = claims.cid ?? `${claims.room}:${claims.participant.id}`;
  }

  get joined(): boolean {
    return this.#joined;
  }

  info(): SfuPeerInfo {
    return {
      id: this.id,
      name: this.name,
      producers: [...this.#producers.values()].map(({ producer, source }) => ({
        id: producer.id,
        kind: producer.kind,
        source,
        paused: producer.paused,
      })),
    };
  }

  notify<N extends SfuNotification>(method: N, data: SfuNotificationData<N>): void {
    if (!this.#closed) this.channel.send(JSON.stringify({ type: 'notification', method, data }));
  }

  handle<M extends SfuMethod>(method: M, data: SfuRequestData<M>): Promise<SfuResult<M>> {
    if (this.#closed) return Promise.reject(new SfuError(sfuErrorCodes.notFound, 'peer closed'));
    return (this.#handlers[method] as (d: SfuRequestData<M>) => Promise<SfuResult<M>>)(data);
  }

  /** Leaves the room and closes every transport (and so its producers and consumers). */
  close(reason: string, closeCode?: number): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#transports.values()) t.close();
    this.#transports.clear();
    this.room.remove(this);
    if (closeCode !== undefined) this.channel.close(closeCode, reason);
    this.logger.debug({ room: this.room.id, peer: this.id, reason }, 'peer closed');
  }

  #requireJoined(): void {
    if (!this.#joined) throw new SfuError(sfuErrorCodes.notJoined, 'join the room first');
  }

  #transport(id: string): types.Transport {
    this.#requireJoined();
    const t = this.#transports.get(id);
    if (!t) throw new SfuError(sfuErrorCodes.notFound, `unknown transport ${id}`);
    return t;
  }

  #webRtcTransport(id: string): types.WebRtcTransport {
    const t = this.#transport(id);
    if (t.type !== 'webrtc') throw new SfuError(sfuErrorCodes.badRequest, `transport ${id} is not a WebRTC transport`);
    return t as types.WebRtcTransport;
  }

  #producer(id: string): types.Producer {
    this.#requireJoined();
    const p = this.#producers.get(id)?.producer;
    if (!p) throw new SfuError(sfuErrorCodes.notFound, `unknown producer ${id}`);
    return p;
  }

  #consumer(id: string): types.Consumer {
    this.#requireJoined();
    const c = this.#consumers.get(id);
    if (!c) throw new SfuError(sfuErrorCodes.notFound, `unknown consumer ${id}`);
    return c;
  }

  #count(kind: string, delta: 1 | -1): void {
    if (delta > 0) this.metrics.sfuEntities.inc({ kind });
    else this.metrics.sfuEntities.dec({ kind });
  }

  #track<T extends { observer: { once(e: 'close', f: () => void): unknown } }>(kind: string, entity: T): T {
    this.#count(kind, 1);
    entity.observer.once('close', () => this.#count(kind, -1));
    return entity;
  }

  readonly #handlers: Handlers = {
    getRouterRtpCapabilities: async () => ({
      rtpCapabilities: this.room.router.rtpCapabilities as unknown as Record<string, unknown>,
    }),

    join: async ({ rtpCapabilities }) => {
      if (this.#joined) throw new SfuError(sfuErrorCodes.alreadyJoined, 'already joined');
      const others = [...this.room.peers.keys()].filter((id) => id !== this.id).length;
      if (others >= this.config.maxPeersPerRoom) throw new SfuError(sfuErrorCodes.tooMany, 'the room is full');
      if (this.room.closed) {
        setImmediate(() => this.close('room closed', sfuCloseCodes.roomReset));
        throw new SfuError(sfuErrorCodes.notFound, 'room closed: reconnect and join again');
      }
      this.room.add(this);
      this.#rtpCapabilities = rtpCapabilities as unknown as types.RtpCapabilities;
      this.#joined = true;
      return { protocol: 1 as const, room: this.room.id, peerId: this.id, peers: this.room.others(this.id) };
    },

    createWebRtcTransport: async ({ direction, forceTcp }) => {
      this.#requireJoined();
      if (direction === 'send' && !this.claims.publish)
        throw new SfuError(sfuErrorCodes.forbidden, 'token cannot publish');
      const { listenIp, announcedAddress, enableUdp, enableTcp } = this.config;
      const listenInfos: types.TransportListenInfo[] = [];
      if (enableUdp && !forceTcp) listenInfos.push({ protocol: 'udp', ip: listenIp, announcedAddress });
      if (enableTcp) listenInfos.push({ protocol: 'tcp', ip: listenIp, announcedAddress });
      if (listenInfos.length === 0) throw new SfuError(sfuErrorCodes.badRequest, 'no transport protocol enabled');
      const t = await this.#inSlot('transports', this.#transports.size, async () =>
        this.#stillOpen(
          await this.room.router.createWebRtcTransport({
            listenInfos,
            initialAvailableOutgoingBitrate: 1_000_000,
            appData: { peerId: this.id, direction },
          }),
        ),
      );
      this.#addTransport(t);
      return {
        id: t.id,
        iceParameters: t.iceParameters as unknown as Record<string, unknown>,
        iceCandidates: t.iceCandidates as unknown as Record<string, unknown>[],
        dtlsParameters: t.dtlsParameters as unknown as Record<string, unknown>,
      };
    },

    connectWebRtcTransport: async ({ transportId, dtlsParameters }) => {
      await this.#webRtcTransport(transportId).connect({
        dtlsParameters: dtlsParameters as unknown as types.DtlsParameters,
      });
      return {};
    },

    restartIce: async ({ transportId }) => ({
      iceParameters: (await this.#webRtcTransport(transportId).restartIce()) as unknown as Record<string, unknown>,
    }),

    createPlainTransport: async ({ rtcpMux }) => {
      this.#requireJoined();
      if (!this.claims.publish) throw new SfuError(sfuErrorCodes.forbidden, 'token cannot publish');
      const t = await this.#inSlot('transports', this.#transports.size, async () =>
        this.#stillOpen(
          await this.room.router.createPlainTransport({
            listenInfo: { protocol: 'udp', ip: this.config.listenIp, announcedAddress: this.config.announcedAddress },
            rtcpMux: rtcpMux ?? false,
            // The sender's address is learnt from its first packet (bots behind NAT or ffmpeg's random port).
            comedia: true,
            appData: { peerId: this.id, direction: 'send' },
          }),
        ),
      );
      this.#addTransport(t);
      return {
        id: t.id,
        ip: t.tuple.localAddress ?? t.tuple.localIp,
        port: t.tuple.localPort,
        ...(t.rtcpTuple ? { rtcpPort: t.rtcpTuple.localPort } : {}),
      };
    },

    produce: async ({ transportId, kind, rtpParameters, source }) => {
      const transport = this.#transport(transportId);
      if (!this.claims.publish) throw new SfuError(sfuErrorCodes.forbidden, 'token cannot publish');
      if ((transport.appData as { direction?: string }).direction !== 'send') {
        throw new SfuError(sfuErrorCodes.badRequest, 'produce needs a send transport');
      }
      const src: Source = source ?? (transport.type === 'plain' ? 'file' : kind === 'audio' ? 'mic' : 'camera');
      const producer = await this.#inSlot('producers', this.#producers.size, async () =>
        this.#track(
          'producers',
          this.#stillOpen(
            await transport.produce({
              kind,
              rtpParameters: rtpParameters as unknown as types.RtpParameters,
              appData: { peerId: this.id, source: src },
            }),
          ),
        ),
      );
      this.#producers.set(producer.id, { producer, source: src });
      producer.observer.once('close', () => {
        this.#producers.delete(producer.id);
        this.room.broadcast('producerClosed', { peerId: this.id, producerId: producer.id }, this.id);
      });
      await this.room.producerAdded(this, producer, src);
      return { producerId: producer.id };
    },

    closeProducer: async ({ producerId }) => {
      this.#producer(producerId).close();
      return {};
    },

    pauseProducer: async ({ producerId }) => {
      await this.#producer(producerId).pause();
      this.room.broadcast('producerPaused', { peerId: this.id, producerId }, this.id);
      return {};
    },

    resumeProducer: async ({ producerId }) => {
      await this.#producer(producerId).resume();
      this.room.broadcast('producerResumed', { peerId: this.id, producerId }, this.id);
      return {};
    },

    consume: async ({ transportId, producerId }) => {
      const transport = this.#transport(transportId);
      if ((transport.appData as { direction?: string }).direction !== 'recv') {
        throw new SfuError(sfuErrorCodes.badRequest, 'consume needs a recv transport');
      }
      const owner = [...this.room.peers.values()].find((p) => p.ownsProducer(producerId));
      if (!owner || owner === this) throw new SfuError(sfuErrorCodes.notFound, `unknown producer ${producerId}`);
      const rtpCapabilities = this.#rtpCapabilities as types.RtpCapabilities;
      if (!this.room.router.canConsume({ producerId, rtpCapabilities })) {
        throw new SfuError(sfuErrorCodes.cannotConsume, 'your RTP capabilities cannot receive this producer');
      }
      if ([...this.#consumers.values()].some((c) => c.producerId === producerId)) {
        throw new SfuError(sfuErrorCodes.conflict, `already consuming ${producerId}`);
      }
      const consumer = await this.#inSlot('consumers', this.#consumers.size, async () =>
        this.#track(
          'consumers',
          this.#stillOpen(
            await transport.consume({ producerId, rtpCapabilities, paused: true, appData: { peerId: this.id } }),
          ),
        ),
      );
      this.#consumers.set(consumer.id, consumer);
      consumer.observer.once('close', () => this.#consumers.delete(consumer.id));
      // mediasoup has closed the consumer already when its producer closes.
      consumer.on('producerclose', () => this.notify('consumerClosed', { consumerId: consumer.id, producerId }));
      return {
        consumerId: consumer.id,
        producerId,
        peerId: owner.id,
        kind: consumer.kind,
        rtpParameters: consumer.rtpParameters as unknown as Record<string, unknown>,
        type: consumer.type,
        producerPaused: consumer.producerPaused,
      };
    },

    resumeConsumer: async ({ consumerId }) => {
      await this.#consumer(consumerId).resume();
      return {};
    },

    pauseConsumer: async ({ consumerId }) => {
      await this.#consumer(consumerId).pause();
      return {};
    },

    setConsumerPreferredLayers: async ({ consumerId, spatialLayer, temporalLayer }) => {
      await this.#consumer(consumerId).setPreferredLayers({ spatialLayer, temporalLayer });
      return {};
    },

    getStats: async ({ id }) => {
      this.#requireJoined();
      const entity = this.#transports.get(id) ?? this.#producers.get(id)?.producer ?? this.#consumers.get(id);
      if (!entity) throw new SfuError(sfuErrorCodes.notFound, `unknown id ${id}`);
      return { stats: (await entity.getStats()) as unknown as Record<string, unknown>[] };
    },

    leave: async () => {
      // Answer first; the socket closes right after.
      setImmediate(() => this.close('left', 1000));
      return {};
    },
  };

  ownsProducer(id: string): boolean {
    return this.#producers.has(id);
  }

  /** An entity created while the peer closed (a request in flight at leave) is closed, not kept. */
  #stillOpen<T extends { close(): void }>(entity: T): T {
    if (!this.#closed) return entity;
    entity.close();
    throw new SfuError(sfuErrorCodes.notFound, 'peer closed');
  }

  /**
   * Runs `create` only while `kind` has room: what exists plus what is being created, so
   * concurrent requests cannot slip past the limit while mediasoup is still answering.
   */
  async #inSlot<T>(kind: keyof typeof perPeerLimits, existing: number, create: () => Promise<T>): Promise<T> {
    if (existing + this.#creating[kind] >= perPeerLimits[kind]) {
      throw new SfuError(sfuErrorCodes.tooMany, `too many ${kind} (at most ${perPeerLimits[kind]})`);
    }
    this.#creating[kind]++;
    try {
      return await create();
    } finally {
      this.#creating[kind]--;
    }
  }

  #addTransport(t: types.Transport): void {
    this.#track('transports', t);
    this.#transports.set(t.id, t);
    t.observer.once('close', () => this.#transports.delete(t.id));
  }
}
