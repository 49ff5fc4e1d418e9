/**
 * Chunk audio travels through the object store as canonical 44-byte-header WAV (16 kHz, mono,
 * 16-bit): self-describing, so a stored chunk can be played or checked with any tool.
 */
const RATE = 16000;
const HEADER = 44;

export function encodePcmWav(pcm: Int16Array): Buffer {
  const b = Buffer.alloc(HEADER + pcm.length * 2);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + pcm.length * 2, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(RATE, 24);
  b.writeUInt32LE(RATE * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(pcm.length * 2, 40);
  // WAV is little-endian, as is every platform Node runs on here.
  Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).copy(b, HEADER);
  return b;
}

export class WavFormatError extends Error {}

/** The samples of a WAV written by encodePcmWav; throws WavFormatError on anything else. */
export function decodePcmWav(data: Uint8Array): Int16Array {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const ok =
    b.length >= HEADER &&
    b.toString('ascii', 0, 4) === 'RIFF' &&
    b.toString('ascii', 8, 16) === 'WAVEfmt ' &&
    b.readUInt16LE(20) === 1 &&
    b.readUInt16LE(22) === 1 &&
    b.readUInt32LE(24) === RATE &&
    b.readUInt16LE(34) === 16 &&
    b.toString('ascii', 36, 40) === 'data' &&
    b.readUInt32LE(40) === b.length - HEADER;
  if (!ok) throw new WavFormatError('chunk audio is not a 16 kHz mono 16-bit PCM WAV');
  const pcm = new Int16Array((b.length - HEADER) / 2);
  b.copy(Buffer.from(pcm.buffer), 0, HEADER);
  return pcm;
}
