import { EventEmitter } from 'node:events';
import {
  type SfuNotification,
  type SfuNotificationData,
  type SfuPeerInfo,
  sfuCloseCodes,
  sfuErrorCodes,
} from '@mi/contracts';
import type { Logger, Metrics } from '@mi/telemetry';
import type { types } from 'mediasoup';
import type { SfuConfig } from './config.ts';
import { mediaCodecs } from './media-codecs.ts';
import type { Peer } from './peer.ts';
import { SfuError } from './sfu-error.ts';
import type { MediaTaps, Tap } from './taps.ts';

export type RoomDeps = {
  config: SfuConfig;
  logger: Logger;
  metrics: Metrics;
  taps: MediaTaps;
};

export type RoomEvents = { close: [reason: string] };

/**
 * One meeting: a mediasoup router on one worker, its peers, audio-level and active-speaker
 * observers, and a tap per producer. Closing the room closes everything it owns.
 */
export class Room extends EventEmitter<RoomEvents> {
  /** Joined peers by participant id. */
  readonly peers = new Map<string, Peer>();
  /** Every open session, joined or not: the room lives while any is open. */
  readonly #sessions = new Set<Peer>();
  readonly #taps = new Map<string, Promise<Tap | undefined>>();
  readonly #closingTaps = new Set<Promise<void>>();
  #closed = false;
  #emptyTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly id: string,
    readonly tenant: string,
    readonly worker: types.Worker,
    readonly router: types.Router,
    readonly audioLevels: types.AudioLevelObserver | undefined,
    readonly activeSpeaker: types.ActiveSpeakerObserver,
    private readonly deps: RoomDeps,
  ) {
    super();
    // A router closing under us (its worker died) resets the room: clients reconnect and rejoin.
    router.observer.once('close', () => void this.close('media router closed', sfuCloseCodes.roomReset));
    audioLevels?.on('volumes', (volumes) =>
      this.broadcast('audioLevels', {
        volumes: volumes.map((v) => ({
          peerId: producerPeer(v.producer),
          producerId: v.producer.id,
          volume: v.volume,
        })),
      }),
    );
    audioLevels?.on('silence', () => this.broadcast('audioLevels', { volumes: [] }));
    activeSpeaker.on('dominantspeaker', ({ producer }) =>
      this.broadcast('activeSpeaker', { peerId: producerPeer(producer), producerId: producer.id }),
    );
    deps.metrics.sfuEntities.inc({ kind: 'rooms' });
    // A room nobody connects to (or whose sockets close before joining) still goes away.
    this.#armEmptyTimer();
  }

  static async create(id: string, tenant: string, worker: types.Worker, deps: RoomDeps): Promise<Room> {
    const router = await worker.createRouter({ mediaCodecs, appData: { room: id } });
    const audioLevels =
      deps.config.audioLevelIntervalMs > 0
        ? await router.createAudioLevelObserver({ interval: deps.config.audioLevelIntervalMs, threshold: -70 })
        : undefined;
    const activeSpeaker = await router.createActiveSpeakerObserver({ interval: 300 });
    return new Room(id, tenant, worker, router, audioLevels, activeSpeaker, deps);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A session opened on this room (before it joins). */
  attach(peer: Peer): void {
    if (this.#closed) throw new SfuError(sfuErrorCodes.notFound, 'room closed');
    this.#sessions.add(peer);
    clearTimeout(this.#emptyTimer);
  }

  /** The peer joined: everyone else hears about it. */
  add(peer: Peer): void {
    if (this.#closed) throw new SfuError(sfuErrorCodes.notFound, 'room closed');
    // One connection per participant: a rejoin replaces the old one, but only by the same caller.
    const old = this.peers.get(peer.id);
    if (old && old !== peer) {
      if (old.claims.sub !== peer.claims.sub) {
        throw new SfuError(sfuErrorCodes.conflict, 'this participant id is in use by another caller');
      }
      old.close('replaced by a new connection', sfuCloseCodes.replaced);
    }
    this.peers.set(peer.id, peer);
    this.broadcast('peerJoined', { peer: peer.info() }, peer.id);
  }

  remove(peer: Peer): void {
    this.#sessions.delete(peer);
    if (this.peers.get(peer.id) === peer) {
      this.peers.delete(peer.id);
      this.broadcast('peerLeft', { peerId: peer.id }, peer.id);
    }
    if (this.#sessions.size === 0) this.#armEmptyTimer();
  }

  #armEmptyTimer(): void {
    if (this.#closed) return;
    clearTimeout(this.#emptyTimer);
    this.#emptyTimer = setTimeout(() => void this.close('empty'), this.deps.config.emptyRoomTimeoutMs);
    this.#emptyTimer.unref();
  }

  /** Peers other than `except` that have joined, as the join answer lists them. */
  others(except: string): SfuPeerInfo[] {
    return [...this.peers.values()].filter((p) => p.id !== except && p.joined).map((p) => p.info());
  }

  broadcast<N extends SfuNotification>(method: N, data: SfuNotificationData<N>, except?: string): void {
    for (const peer of this.peers.values()) if (peer.id !== except && peer.joined) peer.notify(method, data);
  }

  /** A new producer: observers, taps, and everyone else hears about it. */
  async producerAdded(
    peer: Peer,
    producer: types.Producer,
    source: 'mic' | 'camera' | 'screen' | 'file',
  ): Promise<void> {
    if (producer.kind === 'audio') {
      await this.audioLevels?.addProducer({ producerId: producer.id }).catch(() => undefined);
      await this.activeSpeaker.addProducer({ producerId: producer.id }).catch(() => undefined);
    }
    const tap = this.deps.taps
      .attach({
        room: this.id,
        tenant: this.tenant,
        correlationId: peer.correlationId,
        participant: { id: peer.id, name: peer.name },
        producer,
        source,
        router: this.router,
      })
      .catch((err: Error) => {
        this.deps.logger.warn({ room: this.id, producer: producer.id, err: err.message }, 'tap failed to start');
        return undefined;
      });
    this.#taps.set(producer.id, tap);
    producer.observer.once('close', () => void this.#closeTap(producer.id, 'producer closed'));
    this.broadcast('newProducer', { peerId: peer.id, producerId: producer.id, kind: producer.kind, source }, peer.id);
  }

  #closeTap(producerId: string, reason: string): Promise<void> {
    const tap = this.#taps.get(producerId);
    if (!tap) return Promise.resolve();
    this.#taps.delete(producerId);
    // Kept until done, so closing the room (or the server) waits for streams and recordings to finish.
    const closing = tap
      .then((t) => t?.close(reason))
      .catch((err: Error) => {
        this.deps.logger.warn({ room: this.id, producer: producerId, err: err.message }, 'tap failed to close');
      })
      .finally(() => this.#closingTaps.delete(closing));
    this.#closingTaps.add(closing);
    return closing;
  }

  /** Closes every session (with `closeCode` on its socket), the taps and the router. */
  async close(reason: string, closeCode: number = sfuCloseCodes.roomReset): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#emptyTimer);
    for (const peer of [...this.#sessions, ...this.peers.values()]) peer.close(reason, closeCode);
    this.peers.clear();
    this.#sessions.clear();
    for (const id of [...this.#taps.keys()]) void this.#closeTap(id, reason);
    await Promise.all([...this.#closingTaps]);
    if (!this.router.closed) this.router.close();
    this.deps.metrics.sfuEntities.dec({ kind: 'rooms' });
    this.emit('close', reason);
  }
}

function producerPeer(producer: types.Producer): string {
  return (producer.appData as { peerId?: string }).peerId ?? 'unknown';
}
