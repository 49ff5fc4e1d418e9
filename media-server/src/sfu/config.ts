import { cpus } from 'node:os';
import { configFromEnv } from '@mi/contracts';
import { type Static, Type } from '@sinclair/typebox';

export const SfuConfigSchema = Type.Object({
  /** mediasoup workers (one process each); default one per core. */
  workers: Type.Integer({ minimum: 1, maximum: 64, default: Math.max(1, cpus().length) }),
  /** A worker binary of your own (mediasoup also reads MEDIASOUP_WORKER_BIN itself, at load). */
  workerBin: Type.Optional(Type.String({ minLength: 1 })),
  /** Address the WebRTC and RTP transports listen on. */
  listenIp: Type.String({ default: '127.0.0.1' }),
  /** Address given to clients in ICE candidates (public IP or name behind NAT); default listenIp. */
  announcedAddress: Type.Optional(Type.String()),
  rtcMinPort: Type.Integer({ minimum: 1024, maximum: 65535, default: 40000 }),
  rtcMaxPort: Type.Integer({ minimum: 1024, maximum: 65535, default: 49999 }),
  enableUdp: Type.Boolean({ default: true }),
  enableTcp: Type.Boolean({ default: true }),
  /** Secret the gateway signs room tokens with (shared by gateway and media-server). */
  tokenSecret: Type.String({ minLength: 16, default: 'dev-room-token-secret-change-me' }),
  maxPeersPerRoom: Type.Integer({ minimum: 1, default: 100 }),
  /** Requests one socket may have in flight; more are refused with ERR_TOO_MANY. */
  maxInflightRequests: Type.Integer({ minimum: 1, default: 32 }),
  /** Audio-level notifications (ms; 0 turns them off). */
  audioLevelIntervalMs: Type.Integer({ minimum: 0, default: 800 }),
  /** Tap every audio producer into transcription. */
  tapAudio: Type.Boolean({ default: true }),
  /** Key frames of every video producer: thumbnails, OCR, events. */
  tapVideo: Type.Boolean({ default: true }),
  /** Taps running at once in this process (each video tap is an ffmpeg decoder); beyond, tracks are forwarded only. */
  maxTaps: Type.Integer({ minimum: 0, default: 200 }),
  /** Record each track to the object store (Ogg Opus / WebM). */
  record: Type.Boolean({ default: true }),
  /** A room with nobody in it closes after this long. */
  emptyRoomTimeoutMs: Type.Integer({ minimum: 0, default: 30_000 }),
  /** Video key frames: scene-change threshold and the shortest gap between kept frames. */
  sceneThreshold: Type.Number({ minimum: 0, maximum: 1, default: 0.3 }),
  /** Screen shares: slides on one background differ by a few percent, so the threshold is much lower. */
  screenSceneThreshold: Type.Number({ minimum: 0, maximum: 1, default: 0.02 }),
  /** Local UDP ports the video taps' ffmpeg listens on (keep clear of the RTC range). */
  tapMinPort: Type.Integer({ minimum: 1024, maximum: 65535, default: 50000 }),
  tapMaxPort: Type.Integer({ minimum: 1024, maximum: 65535, default: 59998 }),
  keyframeMinIntervalMs: Type.Integer({ minimum: 0, default: 2000 }),
  /** 'all' frames decoded (cuts to the frame), or 'keyframes' only (a fraction of the CPU; the sender is asked for key frames). */
  keyframeDecode: Type.Union([Type.Literal('all'), Type.Literal('keyframes')], { default: 'all' }),
  keyframePeriodicMs: Type.Integer({ minimum: 0, default: 30_000 }),
  ocr: Type.Boolean({ default: true }),
  logLevel: Type.Union([Type.Literal('debug'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('none')], {
    default: 'warn',
  }),
});
export type SfuConfig = Static<typeof SfuConfigSchema>;

export function sfuConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SfuConfig {
  const config = configFromEnv(
    SfuConfigSchema,
    {
      workers: 'MEDIASOUP_WORKERS',
      workerBin: 'MEDIASOUP_WORKER_BIN',
      listenIp: 'SFU_LISTEN_IP',
      announcedAddress: 'SFU_ANNOUNCED_ADDRESS',
      rtcMinPort: 'SFU_RTC_MIN_PORT',
      rtcMaxPort: 'SFU_RTC_MAX_PORT',
      enableUdp: 'SFU_ENABLE_UDP',
      enableTcp: 'SFU_ENABLE_TCP',
      tokenSecret: 'ROOM_TOKEN_SECRET',
      maxPeersPerRoom: 'SFU_MAX_PEERS_PER_ROOM',
      maxInflightRequests: 'SFU_MAX_INFLIGHT_REQUESTS',
      audioLevelIntervalMs: 'SFU_AUDIO_LEVEL_INTERVAL_MS',
      tapAudio: 'SFU_TAP_AUDIO',
      tapVideo: 'SFU_TAP_VIDEO',
      record: 'SFU_RECORD',
      maxTaps: 'SFU_MAX_TAPS',
      emptyRoomTimeoutMs: 'SFU_EMPTY_ROOM_TIMEOUT_MS',
      sceneThreshold: 'KEYFRAME_SCENE_THRESHOLD',
      screenSceneThreshold: 'KEYFRAME_SCREEN_SCENE_THRESHOLD',
      tapMinPort: 'SFU_TAP_MIN_PORT',
      tapMaxPort: 'SFU_TAP_MAX_PORT',
      keyframeMinIntervalMs: 'KEYFRAME_MIN_INTERVAL_MS',
      keyframeDecode: 'KEYFRAME_DECODE',
      keyframePeriodicMs: 'KEYFRAME_PERIODIC_MS',
      ocr: 'KEYFRAME_OCR',
      logLevel: 'MEDIASOUP_LOG_LEVEL',
    },
    env,
  );
  if (config.rtcMinPort > config.rtcMaxPort) throw new Error('SFU_RTC_MIN_PORT is above SFU_RTC_MAX_PORT');
  if (config.tapMinPort > config.tapMaxPort) throw new Error('SFU_TAP_MIN_PORT is above SFU_TAP_MAX_PORT');
  if (config.tapMinPort <= config.rtcMaxPort && config.tapMaxPort >= config.rtcMinPort) {
    throw new Error('SFU_TAP_MIN_PORT..SFU_TAP_MAX_PORT overlaps SFU_RTC_MIN_PORT..SFU_RTC_MAX_PORT');
  }
  return config;
}
