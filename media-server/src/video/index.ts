export { type OcrResult, parseTesseractTsv, runTesseract } from '@mi/ocr';
export { findFreeUdpPortPair, type UdpPortPair } from './free-port.ts';
export { type JpegImage, JpegSplitter } from './jpeg-splitter.ts';
export { type KeptFrame, type KeyframeReason, KeyframeSelector } from './keyframe-selector.ts';
export { VideoKeyframeTap } from './keyframe-tap.ts';
export { PgmSplitter } from './pgm-splitter.ts';
export { RECORDING_CONTAINERS, RecordingFile } from './recording-file.ts';
export { rtcpBye } from './rtcp.ts';
export {
  buildVideoSdp,
  isSupportedVideoMimeType,
  type RtpVideoCodec,
  type VideoMimeType,
  type VideoSdpOptions,
} from './sdp.ts';
export type {
  FfmpegExit,
  KeyframeObjectStore,
  TapAddress,
  VideoKeyframeTapEvents,
  VideoKeyframeTapOptions,
  VideoKeyframeTapState,
  VideoKeyframeTapStats,
} from './types.ts';
