import type { Envelope } from './envelope.ts';
import type { AudioFrameData } from './events/media.ts';
import { AudioFrameV1 } from './events/media.ts';
import { assertValid } from './validate.ts';

/**
 * Audio frames travel as binary: [u32 BE header length][UTF-8 JSON envelope][PCM s16le bytes].
 * JSON for the metadata keeps it readable and schema-checked; raw PCM avoids base64 bloat.
 */
export type AudioFrame = { meta: Envelope<'media.audio', AudioFrameData>; pcm: Int16Array };

export function encodeAudioFrame(frame: AudioFrame): Uint8Array {
  const header = Buffer.from(JSON.stringify(frame.meta), 'utf8');
  const out = Buffer.allocUnsafe(4 + header.length + frame.pcm.byteLength);
  out.writeUInt32BE(header.length, 0);
  header.copy(out, 4);
  Buffer.from(frame.pcm.buffer, frame.pcm.byteOffset, frame.pcm.byteLength).copy(out, 4 + header.length);
  return out;
}

export function decodeAudioFrame(bytes: Uint8Array): AudioFrame {
  if (bytes.length < 4) throw new Error('audio frame too short');
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = buf.readUInt32BE(0);
  if (4 + len > buf.length) throw new Error('audio frame header overruns message');
  const meta = assertValid(AudioFrameV1, JSON.parse(buf.subarray(4, 4 + len).toString('utf8')), 'audio frame');
  const pcmBytes = buf.subarray(4 + len);
  if (pcmBytes.length !== meta.data.samples * 2) throw new Error('audio frame length does not match samples');
  // Copy so the samples are 2-byte aligned whatever the header length.
  const pcm = new Int16Array(meta.data.samples);
  Buffer.from(pcm.buffer).set(pcmBytes);
  return { meta: meta as AudioFrame['meta'], pcm };
}
