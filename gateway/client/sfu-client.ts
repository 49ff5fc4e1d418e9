/**
 * Browser client of the SFU (bundled with mediasoup-client and served as /sfu-client.js).
 * Joins a room with a room token, publishes local tracks, receives everyone else's, and
 * rejoins by itself when the server resets the room (its media worker restarted).
 */
import { Device, type types } from 'mediasoup-client';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type RemotePeer = { id: string; name: string; producers: { id: string; kind: 'audio' | 'video'; source: string }[] };

export type SfuClientEvents = {
  /** A remote track is playing: attach it to a media element. */
  track: { peerId: string; producerId: string; consumerId: string; kind: 'audio' | 'video'; track: MediaStreamTrack };
  trackEnded: { consumerId: string; producerId: string };
  peerJoined: { id: string; name: string };
  peerLeft: { peerId: string };
  activeSpeaker: { peerId: string };
  audioLevels: { volumes: { peerId: string; volume: number }[] };
  /** The server reset the room; the client is rejoining. */
  reset: { code: number; reason: string };
  joined: { peerId: string; peers: RemotePeer[] };
  closed: { code: number; reason: string };
};

export class SfuError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class SfuClient {
  readonly peers = new Map<string, { id: string; name: string }>();
  #ws: WebSocket | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #device: Device | undefined;
  #send: types.Transport | undefined;
  #recv: types.Transport | undefined;
  readonly #consumers = new Map<string, types.Consumer>();
  readonly #producers = new Map<string, types.Producer>();
  #published: { track: MediaStreamTrack; source: string; simulcast: boolean }[] = [];
  #listeners = new Map<string, Set<(data: never) => void>>();
  #left = false;
  peerId = '';

  constructor(
    private readonly url: string,
    private readonly opts: { forceTcp?: boolean; reconnect?: boolean } = {},
  ) {}

  on<E extends keyof SfuClientEvents>(event: E, fn: (data: SfuClientEvents[E]) => void): this {
    const set = this.#listeners.get(event) ?? new Set();
    this.#listeners.set(event, set);
    set.add(fn as (data: never) => void);
    return this;
  }

  #emit<E extends keyof SfuClientEvents>(event: E, data: SfuClientEvents[E]): void {
    for (const fn of this.#listeners.get(event) ?? []) (fn as (d: SfuClientEvents[E]) => void)(data);
  }

  /** Opens the socket, joins, and starts receiving everyone already in the room. */
  async join(): Promise<void> {
    await this.#open();
    const { rtpCapabilities } = await this.request<{ rtpCapabilities: types.RtpCapabilities }>(
      'getRouterRtpCapabilities',
    );
    this.#device = new Device();
    await this.#device.load({ routerRtpCapabilities: rtpCapabilities });
    const joined = await this.request<{ peerId: string; peers: RemotePeer[] }>('join', {
      rtpCapabilities: this.#device.rtpCapabilities,
    });
    this.peerId = joined.peerId;
    this.#recv = await this.#transport('recv');
    for (const p of joined.peers) {
      this.peers.set(p.id, { id: p.id, name: p.name });
      for (const producer of p.producers) await this.#consume(producer.id, p.id).catch(() => undefined);
    }
    this.#emit('joined', joined);
  }

  /**
   * Sends local tracks (microphone, camera...). Camera video goes out as three simulcast layers
   * (the SFU forwards the one each receiver can take) unless `simulcast` is false.
   */
  async publish(
    tracks: { track: MediaStreamTrack; source?: 'mic' | 'camera' | 'screen'; simulcast?: boolean }[],
  ): Promise<string[]> {
    const ids: string[] = [];
    for (const { track, source, simulcast } of tracks) {
      const src = source ?? (track.kind === 'audio' ? 'mic' : 'camera');
      const layers = track.kind === 'video' && src === 'camera' && simulcast !== false;
      this.#published.push({ track, source: src, simulcast: layers });
      ids.push(await this.#produce(track, src, layers));
    }
    return ids;
  }

  async #produce(track: MediaStreamTrack, source: string, simulcast: boolean): Promise<string> {
    this.#send ??= await this.#transport('send');
    const producer = await this.#send.produce({
      track,
      // The same track is produced again after a room reset, so closing a producer must not stop it.
      stopTracks: false,
      appData: { source },
      ...(track.kind === 'audio' ? { codecOptions: { opusStereo: false, opusDtx: false } } : {}),
      ...(simulcast
        ? {
            encodings: [
              { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
              { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
              { scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
            ],
          }
        : {}),
    });
    this.#producers.set(producer.id, producer);
    return producer.id;
  }

  request<T = Record<string, unknown>>(method: string, data: Record<string, unknown> = {}): Promise<T> {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new SfuError('ERR_CLOSED', 'not connected'));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify({ type: 'request', id, method, data }));
    });
  }

  /** What this client receives: one entry per remote track (type is simple, simulcast or svc). */
  receiving(): { consumerId: string; peerId: string; kind: string; type: string }[] {
    return [...this.#consumers.values()].map((c) => ({
      consumerId: c.id,
      peerId: String(c.appData.peerId),
      kind: c.kind,
      type: String(c.appData.type),
    }));
  }

  /** The transport protocol (udp or tcp) the server selected for the receiving transport. */
  async selectedProtocol(): Promise<string | undefined> {
    if (!this.#recv) return undefined;
    const { stats } = await this.request<{ stats: { iceSelectedTuple?: { protocol?: string } }[] }>('getStats', {
      id: this.#recv.id,
    });
    return stats[0]?.iceSelectedTuple?.protocol;
  }

  /** inbound-rtp totals across everything received (for checks and the console). */
  async inboundStats(): Promise<{ audioPackets: number; videoPackets: number; framesDecoded: number; bytes: number }> {
    const out = { audioPackets: 0, videoPackets: 0, framesDecoded: 0, bytes: 0 };
    if (!this.#recv) return out;
    const report = await this.#recv.getStats();
    report.forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp') return;
      const packets = Number(s.packetsReceived ?? 0);
      if (s.kind === 'audio') out.audioPackets += packets;
      else out.videoPackets += packets;
      out.framesDecoded += Number(s.framesDecoded ?? 0);
      out.bytes += Number(s.bytesReceived ?? 0);
    });
    return out;
  }

  async leave(): Promise<void> {
    this.#left = true;
    await this.request('leave').catch(() => undefined);
    this.#teardown();
    this.#ws?.close(1000, 'left');
  }

  async #open(): Promise<void> {
    const ws = new WebSocket(this.url);
    this.#ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new SfuError('ERR_CONNECT', 'could not open the signaling socket'));
      ws.onclose = (e) => reject(new SfuError('ERR_CONNECT', `socket closed: ${e.code} ${e.reason}`));
    });
    ws.onmessage = (e) => this.#onMessage(String(e.data));
    ws.onclose = (e) => void this.#onClose(ws, e.code, e.reason);
  }

  #onMessage(text: string): void {
    const msg = JSON.parse(text) as {
      type: string;
      id?: number;
      ok?: boolean;
      data?: Record<string, unknown>;
      error?: { code: string; message: string };
      method?: string;
    };
    if (msg.type === 'response' && msg.id != null) {
      const p = this.#pending.get(msg.id);
      this.#pending.delete(msg.id);
      if (msg.ok) p?.resolve(msg.data);
      else p?.reject(new SfuError(msg.error?.code ?? 'ERR', msg.error?.message ?? 'failed'));
      return;
    }
    if (msg.type === 'notification') void this.#onNotification(msg.method ?? '', msg.data ?? {});
  }

  async #onNotification(method: string, data: Record<string, unknown>): Promise<void> {
    switch (method) {
      case 'peerJoined': {
        const peer = data.peer as RemotePeer;
        this.peers.set(peer.id, { id: peer.id, name: peer.name });
        this.#emit('peerJoined', { id: peer.id, name: peer.name });
        break;
      }
      case 'peerLeft':
        this.peers.delete(String(data.peerId));
        this.#emit('peerLeft', { peerId: String(data.peerId) });
        break;
      case 'newProducer':
        await this.#consume(String(data.producerId), String(data.peerId)).catch(() => undefined);
        break;
      case 'consumerClosed': {
        const id = String(data.consumerId);
        this.#consumers.get(id)?.close();
        this.#consumers.delete(id);
        this.#emit('trackEnded', { consumerId: id, producerId: String(data.producerId) });
        break;
      }
      case 'activeSpeaker':
        this.#emit('activeSpeaker', { peerId: String(data.peerId) });
        break;
      case 'audioLevels':
        this.#emit('audioLevels', data as SfuClientEvents['audioLevels']);
        break;
    }
  }

  async #consume(producerId: string, peerId: string): Promise<void> {
    if (!this.#recv) return;
    const r = await this.request<{
      consumerId: string;
      kind: 'audio' | 'video';
      type: string;
      rtpParameters: types.RtpParameters;
    }>('consume', { transportId: this.#recv.id, producerId });
    const consumer = await this.#recv.consume({
      id: r.consumerId,
      producerId,
      kind: r.kind,
      rtpParameters: r.rtpParameters,
    });
    consumer.appData = { peerId, type: r.type };
    this.#consumers.set(consumer.id, consumer);
    await this.request('resumeConsumer', { consumerId: consumer.id });
    this.#emit('track', { peerId, producerId, consumerId: consumer.id, kind: r.kind, track: consumer.track });
  }

  async #transport(direction: 'send' | 'recv'): Promise<types.Transport> {
    const device = this.#device as Device;
    const info = await this.request<{
      id: string;
      iceParameters: types.IceParameters;
      iceCandidates: types.IceCandidate[];
      dtlsParameters: types.DtlsParameters;
    }>('createWebRtcTransport', { direction, forceTcp: this.opts.forceTcp ?? false });
    const transport = direction === 'send' ? device.createSendTransport(info) : device.createRecvTransport(info);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.request('connectWebRtcTransport', { transportId: transport.id, dtlsParameters })
        .then(() => callback())
        .catch(errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        this.request<{ producerId: string }>('produce', {
          transportId: transport.id,
          kind,
          rtpParameters,
          source: (appData as { source?: string }).source,
        })
          .then(({ producerId }) => callback({ id: producerId }))
          .catch(errback);
      });
    }
    return transport;
  }

  #teardown(): void {
    this.#send?.close();
    this.#recv?.close();
    this.#send = undefined;
    this.#recv = undefined;
    for (const c of this.#consumers.values()) {
      c.close();
      this.#emit('trackEnded', { consumerId: c.id, producerId: c.producerId });
    }
    this.#consumers.clear();
    this.#producers.clear();
    for (const p of this.#pending.values()) p.reject(new SfuError('ERR_CLOSED', 'socket closed'));
    this.#pending.clear();
    this.peers.clear();
  }

  async #onClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    if (ws !== this.#ws) return;
    this.#teardown();
    // 4503: the room's media worker restarted. Rejoin and publish the same tracks again.
    if (code === 4503 && !this.#left && this.opts.reconnect !== false) {
      this.#emit('reset', { code, reason });
      for (let attempt = 0; attempt < 10 && !this.#left; attempt++) {
        try {
          await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
          await this.join();
          for (const { track, source, simulcast } of this.#published) {
            if (track.readyState === 'live') await this.#produce(track, source, simulcast);
          }
          return;
        } catch {
          // Try again on a fresh socket; this one must not linger (nor report its own close).
          const stale = this.#ws;
          this.#ws = undefined;
          stale?.close();
          this.#teardown();
        }
      }
    }
    this.#emit('closed', { code, reason });
  }
}

// The console page and tests use it without a module loader.
(globalThis as unknown as { MiSfu: unknown }).MiSfu = { SfuClient, SfuError };
