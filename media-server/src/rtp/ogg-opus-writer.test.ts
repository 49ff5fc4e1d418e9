import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OggOpusWriter, oggCrc32, readOggPages } from './ogg-opus-writer.ts';
import { ffmpegOpus } from './test-media.ts';

const dir = mkdtempSync(join(tmpdir(), 'ogg-opus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const packets = ffmpegOpus('sine=f=440:d=2:sample_rate=48000'); // 101 packets: 2 s + 6.5 ms priming

async function record(name: string, write: (w: OggOpusWriter) => void, opts = {}) {
  const file = join(dir, name);
  const w = new OggOpusWriter(createWriteStream(file), { serial: 0x1234, tags: { TITLE: 'test' }, ...opts });
  write(w);
  await w.end();
  return { file, writer: w, pages: readOggPages(readFileSync(file)) };
}

function probe(file: string) {
  const r = spawnSync('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'format=duration:stream=codec_name,channels',
    '-of',
    'json',
    file,
  ]);
  expect(r.stderr.toString()).toBe('');
  const j = JSON.parse(r.stdout.toString());
  return { duration: Number(j.format.duration), codec: j.streams[0].codec_name, channels: j.streams[0].channels };
}

// Decodes with ffmpeg to 16 kHz mono; any decoder complaint (bad CRC, bad packet) fails the test.
function decode(file: string): Int16Array {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-ac', '1', '-ar', '16000', '-f', 's16le', '-'], {
    maxBuffer: 1 << 26,
  });
  expect(r.stderr.toString()).toBe('');
  return new Int16Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength / 2);
}
const rms = (pcm: Int16Array) => Math.sqrt(pcm.reduce((a, v) => a + v * v, 0) / Math.max(1, pcm.length));

describe('oggCrc32', () => {
  it('is the Ogg CRC (poly 0x04c11db7, init 0, unreflected, no xor-out)', () => {
    // CRC-32/CKSUM check value 0x765e7680 is the same CRC with a final xor.
    expect(oggCrc32(Buffer.from('123456789'))).toBe((0x765e7680 ^ 0xffffffff) >>> 0);
    expect(oggCrc32(Buffer.alloc(0))).toBe(0);
  });
});

describe('OggOpusWriter', () => {
  it('writes headers, pages and granules that follow RTP time through a loss gap', async () => {
    expect(packets.length).toBe(101);
    const ts0 = 2 ** 32 - 960 * 10; // wraps the 32-bit RTP clock mid-stream
    const { file, writer, pages } = await record('gap.opus', (w) => {
      packets.forEach((p, i) => {
        if (i < 30 || i >= 60) w.writePacket(p, (ts0 + i * 960) >>> 0); // 600 ms lost
      });
    });
    // Page 0: OpusHead alone, beginning of stream.
    expect(pages[0]!.flags).toBe(0x02);
    const head = pages[0]!.packets[0]!;
    expect(head.toString('ascii', 0, 8)).toBe('OpusHead');
    expect(head.length).toBe(19);
    expect(head[9]).toBe(2); // channel count from the packets' TOC stereo flag
    expect(head.readUInt16LE(10)).toBe(312);
    expect(pages[1]!.packets[0]!.toString('ascii', 0, 8)).toBe('OpusTags');
    expect(pages[1]!.packets[0]!.includes('TITLE=test')).toBe(true);
    expect(pages.slice(0, 2).map((p) => p.granule)).toEqual([0, 0]);
    // Every page checks out, numbered in order, one stream, EOS only on the last.
    expect(pages.every((p) => p.crcValid && p.serial === 0x1234)).toBe(true);
    expect(pages.map((p) => p.sequence)).toEqual(pages.map((_, i) => i));
    expect(pages.map((p) => p.flags & 0x04)).toEqual([...pages.slice(1).map(() => 0), 0x04]);
    for (let i = 3; i < pages.length; i++) expect(pages[i]!.granule).toBeGreaterThan(pages[i - 1]!.granule);
    // Granule = all 101 packet slots, the 30 lost ones filled by 5 concealment packets of 6 x 20 ms.
    expect(pages.at(-1)!.granule).toBe(101 * 960);
    expect(writer.stats()).toMatchObject({ packets: 71, fillerPackets: 5, dropped: 0, granule: 101 * 960 });

    const info = probe(file);
    expect(info.codec).toBe('opus');
    expect(info.channels).toBe(2);
    expect(Math.abs(info.duration - 2)).toBeLessThan(0.1);
    const pcm = decode(file);
    expect(Math.abs(pcm.length / 16000 - 2)).toBeLessThan(0.1);
    // Tone before and after, concealment (fading to silence) inside the gap.
    const at = (s: number, e: number) => rms(pcm.subarray(s * 16000, e * 16000));
    expect(at(0.2, 0.55)).toBeGreaterThan(1800);
    expect(at(0.85, 1.15)).toBeLessThan(200);
    expect(at(1.3, 1.9)).toBeGreaterThan(1800);
  });

  it('fills gaps that are not a whole frame with 2.5 ms CELT frames', async () => {
    const { file, writer, pages } = await record('odd-gap.opus', (w) => {
      let ts = 1000;
      packets.slice(0, 50).forEach((p, i) => {
        if (i === 25) ts += 960 * 3 + 240; // 65 ms: three 20 ms frames plus 5 ms
        w.writePacket(p, ts);
        ts += 960;
      });
    });
    expect(pages.at(-1)!.granule).toBe(50 * 960 + 960 * 3 + 240);
    expect(writer.stats().fillerPackets).toBe(2);
    const filler = pages.flatMap((p) => p.packets).find((p) => p.length === 2 && p[0]! >> 3 >= 16 && p[1] === 2)!;
    expect(filler).toBeDefined(); // CELT, code 3, two 2.5 ms frames
    const pcm = decode(file);
    expect(pcm.length).toBe(((50 * 960 + 960 * 3 + 240 - 312) * 16000) / 48000);
  });

  it('caps huge timestamp jumps, drops malformed packets, keeps back-to-back packets without timestamps', async () => {
    const { writer, pages } = await record(
      'jump.opus',
      (w) => {
        w.writePacket(packets[0]!, 0);
        w.writePacket(Buffer.alloc(0), 960); // no TOC: dropped
        w.writePacket(packets[1]!, 48000 * 3600); // an hour later: capped at maxGapMs
        w.writePacket(packets[2]!, 48000 * 3600 + 960);
        w.writePacket(packets[3]!);
      },
      { maxGapMs: 1000 },
    );
    expect(writer.stats()).toMatchObject({ packets: 4, dropped: 1, granule: 4 * 960 + 48000 });
    expect(pages.at(-1)!.granule).toBe(4 * 960 + 48000);
    expect(() => writer.writePacket(packets[4]!, 0)).toThrow(/ended/);
  });
});
