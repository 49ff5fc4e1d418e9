export { findFreeUdpPortPair, type UdpPortPair } from './free-port.ts';
export {
  type FfmpegExit,
  type KeptFrame,
  type KeyframeObjectStore,
  type KeyframeReason,
  KeyframeSelector,
  type TapAddress,
  VideoKeyframeTap,
  type VideoKeyframeTapEvents,
  type VideoKeyframeTapOptions,
  type VideoKeyframeTapState,
  type VideoKeyframeTapStats,
} from './keyframe-tap.ts';
export {
  buildVideoSdp,
  isSupportedVideoMimeType,
  type RtpVideoCodec,
  type VideoMimeType,
  type VideoSdpOptions,
} from './sdp.ts';
