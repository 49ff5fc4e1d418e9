/**
 * CPU cost of the SFU's audio tap (not a test): the project's RtpAudioTap (UDP receive, RTP parse,
 * jitter buffer, Opus decode to 16 kHz mono) fed real Opus RTP by ffmpeg at real-time pace, for
 * 1 and 8 simultaneous taps; process CPU seconds per second of audio. Baseline, same run: ffmpeg
 * decoding the same Opus file to 16 kHz PCM (`ffmpeg -i x.opus -ac 1 -ar 16000 -f s16le -`).
 *   tsx bench/sfu/tap-cost.ts [--taps 1,8] [--seconds 20]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RtpAudioTap } from '@mi/media-server';
import { meetingScript, synthesizeScript, writeWavFile } from '@mi/transcriber/testing';
import { execFileP, ffmpeg, fix, isMain, machine, selfCpuSeconds, sleep, spawnFfmpeg, writeResult } from './common.ts';

export type TapCostOptions = { taps?: number[]; seconds?: number };

const PT = 100;
const RATE = 16000;

/** ~`seconds` of synthetic meeting speech (16 kHz mono), lines separated by 600 ms pauses. */
async function speechTrack(seconds: number): Promise<Int16Array> {
  const clips = (await synthesizeScript(meetingScript)).map((l) => l.pcm);
  const gap = new Int16Array(0.6 * RATE);
  const parts: Int16Array[] = [];
  let len = 0;
  for (let i = 0; len < seconds * RATE; i++) {
    const c = clips[i % clips.length]!;
    parts.push(c, gap);
    len += c.length + gap.length;
  }
  const out = new Int16Array(seconds * RATE);
  let at = 0;
  for (const p of parts) {
    if (at >= out.length) break;
    out.set(p.subarray(0, out.length - at), at);
    at += p.length;
  }
  return out;
}

/** ffmpeg's own user+system CPU for decoding `file` `loops` times over (from -benchmark). */
async function ffmpegDecodeCpu(file: string, loops: number): Promise<number> {
  const { stderr } = await execFileP(
    'ffmpeg',
    [
      ...['-hide_banner', '-benchmark', '-stream_loop', String(loops - 1), '-i', file],
      ...['-ac', '1', '-ar', String(RATE), '-f', 's16le', '-y', '/dev/null'],
    ],
    { maxBuffer: 1 << 24 },
  );
  const m = /utime=([\d.]+)s stime=([\d.]+)s/.exec(stderr);
  if (!m) throw new Error(`no -benchmark line from ffmpeg: ${stderr.slice(-500)}`);
  return Number(m[1]) + Number(m[2]);
}

export async function runTapCost(opts: TapCostOptions = {}) {
  const levels = opts.taps ?? [1, 8];
  const seconds = opts.seconds ?? 20;
  const dir = await mkdtemp(join(tmpdir(), 'mi-bench-tap-'));
  try {
    // The same Opus a browser or the RTP publisher sends: 48 kHz stereo, 48 kbps, voip, 20 ms frames.
    const wav = join(dir, 'speech.wav');
    const opus = join(dir, 'speech.opus');
    await writeWavFile(wav, await speechTrack(seconds));
    await ffmpeg([
      '-i',
      wav,
      '-c:a',
      'libopus',
      '-ar',
      '48000',
      '-ac',
      '2',
      '-b:a',
      '48k',
      '-application',
      'voip',
      opus,
    ]);

    // Baseline: ffmpeg decoding the file (looped 10x so process start-up is a small share), best of 3.
    const loops = 10;
    const bareRuns: number[] = [];
    for (let i = 0; i < 3; i++) bareRuns.push(await ffmpegDecodeCpu(opus, loops));
    const bareCpuPerAudioSec = Math.min(...bareRuns) / (loops * seconds);

    // This process at rest, to subtract from the tap windows.
    const idle0 = selfCpuSeconds();
    const idleT0 = performance.now();
    await sleep(2000);
    const idlePerSec = (selfCpuSeconds() - idle0) / ((performance.now() - idleT0) / 1000);

    const feed = async (n: number, limitSec?: number) => {
      let samples = 0;
      const taps = Array.from(
        { length: n },
        () =>
          new RtpAudioTap({
            payloadType: PT,
            onPcm: (p) => {
              samples += p.length;
            },
          }),
      );
      const addrs = await Promise.all(taps.map((t) => t.listen()));
      // One ffmpeg, one RTP output per tap (-c copy: packetizing only, its CPU is not counted).
      const sender = spawnFfmpeg([
        ...['-re', ...(limitSec ? ['-t', String(limitSec)] : []), '-i', opus],
        ...addrs.flatMap((a, i) => [
          ...['-map', '0:a:0', '-c:a', 'copy', '-payload_type', String(PT), '-ssrc', String(1000 + i)],
          ...['-f', 'rtp', `rtp://${a.ip}:${a.port}?rtcpport=${a.port}&pkt_size=1200`],
        ]),
      ]);
      const cpu0 = selfCpuSeconds();
      const t0 = performance.now();
      await new Promise<void>((r) => sender.proc.once('exit', () => r()));
      await sleep(300); // the jitter buffer's last packets
      const wallSec = (performance.now() - t0) / 1000;
      const cpu = selfCpuSeconds() - cpu0;
      await Promise.all(taps.map((t) => t.close()));
      return { cpu, wallSec, samples, stats: taps.map((t) => t.stats()) };
    };

    // Warm-up (JIT, the decoder's emscripten module), not measured.
    await feed(8, 5);
    const runs = [];
    for (const n of levels) {
      const { cpu, wallSec, samples, stats } = await feed(n);
      const sum = (k: keyof (typeof stats)[number]) => stats.reduce((a, s) => a + (s[k] as number), 0);
      const netCpu = cpu - idlePerSec * wallSec;
      const perStreamSec = netCpu / (n * seconds);
      runs.push({
        taps: n,
        wallSeconds: fix(wallSec, 2),
        processCpuSeconds: fix(cpu, 3),
        processCpuNetOfIdle: fix(netCpu, 3),
        // Per second of one stream's audio (the unit the baseline is in).
        cpuSecondsPerAudioSecond: fix(perStreamSec, 5),
        // Share of one core the n taps keep busy while running.
        coreShare: fix(netCpu / wallSec, 4),
        decodeCpuMsPerAudioSecond: fix(sum('cpuMs') / (n * seconds), 3),
        ratioVsFfmpegDecode: fix(perStreamSec / bareCpuPerAudioSec, 2),
        streamsPerCoreAtThisCost: Math.round(1 / perStreamSec),
        packets: sum('packets'),
        lost: sum('lost'),
        late: sum('late'),
        decodeErrors: sum('decodeErrors'),
        pcmSeconds: fix(samples / RATE, 2),
        expectedPcmSeconds: n * seconds,
      });
      console.error(`tap-cost taps=${n}: ${JSON.stringify(runs.at(-1))}`);
    }
    return {
      setup: {
        audio: `${seconds} s synthetic speech, libopus 48 kHz stereo 48 kbps voip (20 ms packets), ffmpeg -re -c copy over RTP to each tap`,
        tap: 'RtpAudioTap (media-server/src/rtp): UDP + RTP parse + jitter buffer + opusscript decode to 16 kHz mono',
        cpu: 'this Node process (process.cpuUsage), net of its idle rate measured just before',
      },
      baseline: {
        what: `ffmpeg -i speech.opus -ac 1 -ar 16000 -f s16le (libopus decode + swresample), -benchmark utime+stime, file looped ${loops}x, best of 3`,
        cpuSecondsPerAudioSecond: fix(bareCpuPerAudioSec, 5),
        runsCpuSeconds: bareRuns.map((x) => fix(x, 3)),
      },
      idleProcessCpuPerSecond: fix(idlePerSec, 4),
      runs,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: { taps: { type: 'string', default: '1,8' }, seconds: { type: 'string', default: '20' } },
  });
  const result = await runTapCost({ taps: values.taps.split(',').map(Number), seconds: Number(values.seconds) });
  console.log(
    writeResult('sfu-tap-cost.json', {
      benchmark: 'sfu-tap-cost',
      date: new Date().toISOString(),
      machine: machine(),
      ...result,
    }),
  );
}
