import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { RtpAudioTap } from './audio-tap.ts';
import { OggOpusWriter } from './ogg-opus-writer.ts';
import { encodeRtp, parseRtp, type RtpPacket } from './rtp-packet.ts';
import { concatPcm, zeroCrossingHz } from './test-media.ts';

const dir = mkdtempSync(join(tmpdir(), 'rtp-tap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PT = 100;
// ffmpeg's RTP muxer; RTCP goes to the same port, as with rtcp-mux.
const rtpOut = (port: number) => [
  ...['-c:a', 'libopus', '-ac', '2', '-ar', '48000', '-b:a', '32k', '-payload_type', `${PT}`],
  ...['-f', 'rtp', `rtp://127.0.0.1:${port}?rtcpport=${port}`],
];
const exited = (p: ChildProcess) =>
  new Promise<number | null>((resolve) => (p.exitCode !== null ? resolve(p.exitCode) : p.on('exit', resolve)));

function run(cmd: string, args: string[]): Buffer {
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return r.stdout;
}
const pcm16k = (file: string) => {
  const b = run('ffmpeg', ['-v', 'error', '-i', file, '-ac', '1', '-ar', '16000', '-f', 's16le', '-']);
  return new Int16Array(b.buffer, b.byteOffset, b.byteLength / 2);
};
const probe = (file: string) => {
  const j = JSON.parse(
    run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'format=duration:stream=codec_name',
      '-of',
      'json',
      file,
    ]).toString(),
  );
  return { duration: Number(j.format.duration), codec: j.streams[0].codec_name as string };
};
// 20 ms RMS envelope (dB-free: linear), compared by Pearson correlation at the best small lag.
function envelope(pcm: Int16Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 320 <= pcm.length; i += 320) {
    let a = 0;
    for (let j = i; j < i + 320; j++) a += pcm[j]! * pcm[j]!;
    out.push(Math.sqrt(a / 320));
  }
  return out;
}
function correlation(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  const ma = a.slice(0, n).reduce((s, v) => s + v, 0) / n;
  const mb = b.slice(0, n).reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (a[i]! - ma) * (b[i]! - mb);
    da += (a[i]! - ma) ** 2;
    db += (b[i]! - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

describe('RtpAudioTap', () => {
  it('turns a real-time ffmpeg Opus RTP stream of speech into 16 kHz PCM and an Ogg recording', async () => {
    const wav = join(dir, 'speech.wav');
    run('espeak-ng', ['-w', wav, 'We will ship the release on Friday. Alice owns the budget review.']);
    const inputSec = probe(wav).duration;
    const ogg = join(dir, 'speech.opus');
    const chunks: Int16Array[] = [];
    const recorder = new OggOpusWriter(createWriteStream(ogg));
    const tap = new RtpAudioTap({ payloadType: PT, onPcm: (p) => chunks.push(p), recorder });
    const { ip, port } = await tap.listen();
    expect(ip).toBe('127.0.0.1');
    const ff = spawn('ffmpeg', ['-hide_banner', '-v', 'error', '-re', '-i', wav, ...rtpOut(port)], { stdio: 'ignore' });
    expect(await exited(ff)).toBe(0);
    await sleep(200);
    await tap.close();

    const pcm = concatPcm(chunks);
    const outSec = pcm.length / 16000;
    const s = tap.stats();
    const cpuPerSec = s.cpuMs / outSec;
    expect(Math.abs(outSec - inputSec)).toBeLessThan(0.1);
    expect(s).toMatchObject({ lost: 0, late: 0, duplicates: 0, decodeErrors: 0, gapSamples: 0 });
    expect(s.samplesOut).toBe(pcm.length);
    expect(Math.abs(s.packets - inputSec / 0.02)).toBeLessThan(3);
    expect(s.ignored).toBeGreaterThanOrEqual(1); // ffmpeg's RTCP sender report on the same port
    expect(cpuPerSec).toBeLessThan(50);

    // Same speech: the loudness envelopes line up (Opus adds ~6.5 ms delay: search a few frames of lag).
    const ref = envelope(pcm16k(wav));
    const got = envelope(pcm);
    let best = -1;
    for (let lag = 0; lag <= 3; lag++) best = Math.max(best, correlation(ref, got.slice(lag)));
    expect(best).toBeGreaterThan(0.9);

    const rec = probe(ogg);
    const recDecodedSec = pcm16k(ogg).length / 16000;
    console.log(
      `speech: input ${inputSec.toFixed(3)} s, PCM ${outSec.toFixed(3)} s, envelope r=${best.toFixed(3)}, ` +
        `decode ${cpuPerSec.toFixed(2)} ms CPU per s of audio, Ogg ${rec.duration.toFixed(3)} s (decoded ${recDecodedSec.toFixed(3)} s)`,
    );
    expect(rec.codec).toBe('opus');
    expect(Math.abs(rec.duration - inputSec)).toBeLessThan(0.1);
    expect(Math.abs(recDecodedSec - inputSec)).toBeLessThan(0.1);
  });

  it('keeps the RTP timeline through reordering, loss, DTX, duplicates, late and corrupt packets', async () => {
    // Capture a real Opus RTP stream (1 kHz tone, 3 s) from ffmpeg, then replay it mangled.
    const cap = dgram.createSocket('udp4');
    await new Promise<void>((r) => cap.bind(0, '127.0.0.1', r));
    const captured: RtpPacket[] = [];
    cap.on('message', (m) => {
      const p = parseRtp(m);
      if (p?.payloadType === PT) captured.push(p);
    });
    const args = ['-hide_banner', '-v', 'error', '-f', 'lavfi', '-i', 'sine=f=1000:d=3:sample_rate=48000'];
    const ff = spawn('ffmpeg', [...args, ...rtpOut(cap.address().port)], { stdio: 'ignore' });
    expect(await exited(ff)).toBe(0);
    await sleep(100);
    cap.close();
    expect(captured.length).toBe(151);
    for (let i = 1; i < captured.length; i++) {
      expect((captured[i]!.sequenceNumber - captured[i - 1]!.sequenceNumber) & 0xffff).toBe(1);
      expect((captured[i]!.timestamp - captured[i - 1]!.timestamp) >>> 0).toBe(960);
    }

    // DTX: 80..99 never sent, later sequence numbers close up (timestamps jump 400 ms). Loss: 40..44.
    const base = captured[0]!.sequenceNumber;
    const stream = captured
      .map((p, i) => ({ ...p, i }))
      .filter((p) => !(p.i >= 80 && p.i < 100) && !(p.i >= 40 && p.i < 45))
      .map((p) => ({ ...p, sequenceNumber: (base + (p.i >= 100 ? p.i - 20 : p.i)) & 0xffff }));
    const at = (i: number) => stream.findIndex((p) => p.i === i);
    const send: RtpPacket[] = [...stream];
    const swap = (a: number, b: number) => {
      const x = at(a);
      const y = at(b);
      [send[x], send[y]] = [send[y]!, send[x]!];
    };
    swap(10, 11);
    swap(20, 23);
    swap(60, 62);
    send.splice(at(17), 0, stream[at(15)]!, stream[at(16)]!); // duplicates of 15 and 16
    const late = send.splice(send.indexOf(stream[at(120)]!), 1)[0]!;
    send.splice(send.indexOf(stream[at(135)]!), 0, late); // 15 packets late: beyond the reorder window
    const corrupt = stream[at(130)]!;
    send[send.indexOf(corrupt)] = { ...corrupt, payload: Buffer.from([0xfb, 0x00, 1, 2, 3]) }; // code 3, 0 frames

    const chunks: Int16Array[] = [];
    const ogg = join(dir, 'mangled.opus');
    const tap = new RtpAudioTap({
      payloadType: PT,
      onPcm: (p) => chunks.push(p),
      recorder: new OggOpusWriter(createWriteStream(ogg)),
      maxReorderPackets: 8,
    });
    const { port } = await tap.listen();
    const tx = dgram.createSocket('udp4');
    const other = dgram.createSocket('udp4');
    const sendTo = (s: dgram.Socket, b: Buffer) => new Promise<void>((r) => s.send(b, port, '127.0.0.1', () => r()));
    await sendTo(tx, encodeRtp(send[0]!)); // locks SSRC and sender
    await sendTo(other, encodeRtp({ ...send[1]!, sequenceNumber: 9 })); // another sender: ignored
    await sendTo(tx, encodeRtp({ ...send[1]!, payloadType: 96 })); // another payload type: ignored
    await sendTo(tx, Buffer.from([0x81, 201, 0, 1, 0, 0, 0, 1])); // RTCP receiver report: ignored
    for (const p of send.slice(1)) {
      await sendTo(tx, encodeRtp(p));
      await sleep(1);
    }
    await sleep(200);
    await tap.close();
    tx.close();
    other.close();

    const pcm = concatPcm(chunks);
    const span = (captured.at(-1)!.timestamp - captured[0]!.timestamp + 960) >>> 0; // 151 x 960
    expect(pcm.length).toBe(span / 3); // the PCM timeline is exactly the RTP timeline
    const s = tap.stats();
    expect(s).toMatchObject({ lost: 6, late: 1, duplicates: 2, decodeErrors: 1, ignored: 3 });
    expect(s.gapSamples).toBe((5 + 20 + 1) * 320); // loss, DTX, the late packet
    expect(s.samplesOut).toBe(pcm.length);
    // DTX region is silence; the tone is intact around it.
    expect(pcm.subarray(80 * 320, 100 * 320).every((v) => v === 0)).toBe(true);
    expect(zeroCrossingHz(pcm.subarray(50 * 320, 78 * 320), 16000)).toBeCloseTo(1000, -1);
    expect(zeroCrossingHz(pcm.subarray(102 * 320, 118 * 320), 16000)).toBeCloseTo(1000, -1);

    // The recording keeps the same wall-clock length (gaps filled with concealment packets).
    const rec = probe(ogg);
    expect(rec.codec).toBe('opus');
    expect(Math.abs(rec.duration - span / 48000)).toBeLessThan(0.1);
    expect(Math.abs(pcm16k(ogg).length - span / 3)).toBeLessThan(1600);
  });
});
