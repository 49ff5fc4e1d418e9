import { randomInt } from 'node:crypto';
import type { Writable } from 'node:stream';
import { opusPacketSamples } from './opus-decoder.ts';

export type OggOpusWriterOptions = {
  /** OpusHead channel count; default: from the first packet's TOC stereo flag. */
  channels?: 1 | 2;
  /** Samples (48 kHz) a player drops at the start: the sender's encoder delay (libopus: 312). */
  preSkip?: number;
  /** Ogg logical stream serial; random by default. */
  serial?: number;
  /** OpusTags comments, e.g. { TITLE: 'room demo', ARTIST: 'alice' }. */
  tags?: Record<string, string>;
  /** Audio per page before it is written out (bounds what a crash loses); default 1000 ms. */
  maxPageMs?: number;
  /** Longest gap (ms) filled with concealment packets; beyond it the timeline is rebased (default 10 s). */
  maxGapMs?: number;
};

export type OggOpusWriterStats = {
  packets: number;
  /** Zero-length concealment packets inserted for gaps (loss, DTX). */
  fillerPackets: number;
  /** Packets dropped as malformed (no valid TOC, or too large for one page). */
  dropped: number;
  pages: number;
  bytes: number;
  /** Granule position (48 kHz samples, pre-skip included) after the last packet. */
  granule: number;
};

const VENDOR = 'mediaintel rtp recorder';
const MAX_SEGMENTS = 255;

/**
 * Writes Opus packets (as received over RTP, no transcoding) to an Ogg Opus stream (RFC 7845).
 * Time follows the RTP timestamps: when they jump (loss, DTX), the gap is filled with packets
 * of zero-length frames, which decoders turn into concealment/silence (RFC 7845 §4.1), so the
 * granule positions and the decodable duration both keep wall-clock time.
 */
export class OggOpusWriter {
  readonly #out: Writable;
  readonly #opts: OggOpusWriterOptions;
  readonly #serial: number;
  readonly #maxPageSamples: number;
  readonly #maxGap: number;
  #seq = 0; // page sequence number
  #granule = 0;
  #nextTs: number | undefined; // RTP timestamp where the next packet is expected
  #lastToc = 0xf8; // TOC the fillers copy (default: CELT FB 20 ms mono)
  #page: Buffer[] = [];
  #pageSegments = 0;
  #pageStart = 0; // granule at the start of the pending page
  #headerWritten = false;
  #ended = false;
  #error: Error | undefined;
  #stats: OggOpusWriterStats = { packets: 0, fillerPackets: 0, dropped: 0, pages: 0, bytes: 0, granule: 0 };

  constructor(out: Writable, opts: OggOpusWriterOptions = {}) {
    this.#out = out;
    this.#opts = opts;
    this.#serial = (opts.serial ?? randomInt(0, 2 ** 32)) >>> 0;
    this.#maxPageSamples = Math.max(1, ((opts.maxPageMs ?? 1000) * 48000) / 1000);
    this.#maxGap = ((opts.maxGapMs ?? 10_000) * 48000) / 1000;
    out.on('error', (err: Error) => {
      this.#error ??= err;
    });
  }

  stats(): OggOpusWriterStats {
    return { ...this.#stats, granule: this.#granule };
  }

  /**
   * Appends one Opus packet. `rtpTimestamp` (48 kHz clock) places it in time; omit it for
   * back-to-back packets. Packets must come in order (use a jitter buffer).
   */
  writePacket(packet: Buffer, rtpTimestamp?: number): void {
    if (this.#ended) throw new Error('OggOpusWriter already ended');
    if (this.#error) throw this.#error;
    const samples = opusPacketSamples(packet);
    if (samples === undefined || packet.length >= MAX_SEGMENTS * 255) {
      this.#stats.dropped++;
      return;
    }
    this.#writeHeaders((packet[0]! & 0x04) !== 0 ? 2 : 1);
    if (rtpTimestamp !== undefined) {
      const ts = rtpTimestamp >>> 0;
      if (this.#nextTs !== undefined) {
        const gap = (ts - this.#nextTs) | 0; // signed: survives 32-bit wrap
        if (gap > this.#maxGap || gap < -this.#maxGap) {
          this.#fill(gap > 0 ? this.#maxGap : 0);
          this.#nextTs = ts; // sender jumped (restart, long mute): keep going from here
        } else if (gap > 0) {
          this.#fill(gap);
        }
        // A gap under 2.5 ms stays in #nextTs and is filled once it adds up; a negative one
        // (overlap) is absorbed by later gaps, so the file never drifts from the RTP clock.
      } else {
        this.#nextTs = ts;
      }
    }
    this.#lastToc = packet[0]!;
    this.#append(packet, samples);
    this.#stats.packets++;
    if (this.#nextTs !== undefined) this.#nextTs = (this.#nextTs + samples) >>> 0;
  }

  /** Writes the last page (end-of-stream flag), ends `out` and resolves once it has flushed. */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#writeHeaders(this.#opts.channels ?? 1);
    this.#flushPage(true);
    const out = this.#out;
    await new Promise<void>((resolve, reject) => {
      if (this.#error) return reject(this.#error);
      out.once('error', reject);
      out.end(() => resolve());
    });
  }

  // Zero-length frames (RFC 6716 §3.2.1) in the last packet's mode/bandwidth/channels: the
  // decoder conceals them. Gaps are only repairable in 2.5 ms units; a remainder waits in #nextTs.
  #fill(gap: number): void {
    const toc = this.#lastToc;
    const perFrame = opusPacketSamples(Buffer.from([toc & 0xfc]))!;
    let left = gap;
    const maxFrames = Math.min(48, Math.floor(5760 / perFrame));
    while (left >= perFrame) {
      const n = Math.min(maxFrames, Math.floor(left / perFrame));
      this.#filler((toc & 0xfc) | 3, n, n * perFrame);
      left -= n * perFrame;
    }
    if (left >= 120) {
      // Shorter than one frame of the last mode: CELT 2.5 ms frames, same bandwidth and stereo flag.
      const bandwidth =
        toc < 96 ? [0, 1, 1][Math.floor((toc >> 3) / 4)]! : toc < 128 ? [2, 3][(toc >> 4) & 1]! : (toc >> 5) & 3;
      const n = Math.floor(left / 120);
      this.#filler(((16 + 4 * bandwidth) << 3) | (toc & 0x04) | 3, n, n * 120);
      left -= n * 120;
    }
  }

  #filler(toc: number, frames: number, samples: number): void {
    // Code 3, CBR, `frames` frames of 0 bytes each.
    this.#append(Buffer.from([toc, frames]), samples);
    this.#stats.fillerPackets++;
    if (this.#nextTs !== undefined) this.#nextTs = (this.#nextTs + samples) >>> 0;
  }

  #append(packet: Buffer, samples: number): void {
    const segments = Math.floor(packet.length / 255) + 1;
    if (
      this.#page.length > 0 &&
      (this.#pageSegments + segments > MAX_SEGMENTS || this.#granule - this.#pageStart >= this.#maxPageSamples)
    ) {
      this.#flushPage(false);
    }
    this.#page.push(packet);
    this.#pageSegments += segments;
    this.#granule += samples;
  }

  #flushPage(eos: boolean): void {
    if (this.#page.length === 0 && !eos) return;
    this.#writePage(this.#page, this.#granule, eos ? 0x04 : 0);
    this.#page = [];
    this.#pageSegments = 0;
    this.#pageStart = this.#granule;
  }

  #writeHeaders(channels: number): void {
    if (this.#headerWritten) return;
    this.#headerWritten = true;
    const head = Buffer.alloc(19);
    head.write('OpusHead', 0, 'ascii');
    head[8] = 1; // version
    head[9] = this.#opts.channels ?? channels;
    head.writeUInt16LE(this.#opts.preSkip ?? 312, 10);
    head.writeUInt32LE(48000, 12); // input rate: informational only
    head.writeInt16LE(0, 16); // output gain
    head[18] = 0; // channel mapping family 0: mono/stereo
    this.#writePage([head], 0, 0x02); // beginning of stream, alone on its page
    const comments = Object.entries(this.#opts.tags ?? {}).map(([k, v]) => Buffer.from(`${k}=${v}`, 'utf8'));
    const vendor = Buffer.from(VENDOR, 'utf8');
    const parts: Buffer[] = [Buffer.from('OpusTags', 'ascii'), u32(vendor.length), vendor, u32(comments.length)];
    for (const c of comments) parts.push(u32(c.length), c);
    this.#writePage([Buffer.concat(parts)], 0, 0);
  }

  #writePage(packets: Buffer[], granule: number, flags: number): void {
    const lacing: number[] = [];
    for (const p of packets) {
      for (let n = p.length; ; n -= 255) {
        lacing.push(Math.min(n, 255));
        if (n < 255) break;
      }
    }
    if (lacing.length > MAX_SEGMENTS) throw new Error('Ogg page too large'); // only a huge OpusTags could
    const header = Buffer.alloc(27 + lacing.length);
    header.write('OggS', 0, 'ascii');
    header[4] = 0; // stream structure version
    header[5] = flags;
    header.writeUInt32LE(granule % 2 ** 32, 6);
    header.writeUInt32LE(Math.floor(granule / 2 ** 32), 10);
    header.writeUInt32LE(this.#serial, 14);
    header.writeUInt32LE(this.#seq++, 18);
    header.writeUInt32LE(0, 22); // CRC, computed over the page with this field zero
    header[26] = lacing.length;
    header.set(lacing, 27);
    const page = Buffer.concat([header, ...packets]);
    page.writeUInt32LE(oggCrc32(page), 22);
    this.#stats.pages++;
    this.#stats.bytes += page.length;
    this.#out.write(page);
  }
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
};

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

/** Ogg page checksum: CRC-32, polynomial 0x04c11db7, not reflected, initial value 0, no final xor. */
export function oggCrc32(data: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < data.length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ data[i]!) & 0xff]!) >>> 0;
  return crc >>> 0;
}

export type OggPage = {
  /** 0x01 continued packet, 0x02 beginning of stream, 0x04 end of stream. */
  flags: number;
  granule: number;
  serial: number;
  sequence: number;
  /** Packets that complete on this page (a packet split across pages is joined on the page where it ends). */
  packets: Buffer[];
  crcValid: boolean;
};

/** Splits a whole Ogg byte stream into pages and packets: to check recordings and replay them. */
export function readOggPages(data: Buffer): OggPage[] {
  const pages: OggPage[] = [];
  let partial: Buffer[] = [];
  for (let at = 0; at + 27 <= data.length; ) {
    if (data.toString('ascii', at, at + 4) !== 'OggS') throw new Error(`no Ogg page at byte ${at}`);
    const count = data[at + 26]!;
    const lacing = data.subarray(at + 27, at + 27 + count);
    const bodyLength = lacing.reduce((n, v) => n + v, 0);
    const end = at + 27 + count + bodyLength;
    if (end > data.length) throw new Error('truncated Ogg page');
    const page = Buffer.from(data.subarray(at, end));
    const crc = page.readUInt32LE(22);
    page.writeUInt32LE(0, 22);
    const packets: Buffer[] = [];
    let body = at + 27 + count;
    for (const len of lacing) {
      partial.push(data.subarray(body, body + len));
      body += len;
      if (len < 255) {
        packets.push(Buffer.concat(partial));
        partial = [];
      }
    }
    pages.push({
      flags: data[at + 5]!,
      granule: data.readUInt32LE(at + 6) + data.readUInt32LE(at + 10) * 2 ** 32,
      serial: data.readUInt32LE(at + 14),
      sequence: data.readUInt32LE(at + 18),
      packets,
      crcValid: oggCrc32(page) === crc,
    });
    at = end;
  }
  return pages;
}
