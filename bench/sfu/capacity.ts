/**
 * SFU forwarding capacity per worker core (not a test). One mediasoup worker, one router, an Opus
 * (~48 kbps) and a VP8 (~800 kbps) producer fed real RTP by ffmpeg (pre-encoded file sent with
 * `-re -c copy`, so the sender costs next to nothing), then N plain-RTP consumers of one producer,
 * each on its own PlainTransport (comedia off, rtcp-mux) sending to one UDP sink on 127.0.0.1.
 * Per step: worker CPU over a window (/proc/<pid>/stat) and the packet rate at the sink
 * (≈ N × producer rate when nothing is dropped). Consumers per core at a CPU budget come from a
 * linear fit, compared with mediasoup's published figure.
 *   tsx bench/sfu/capacity.ts [--video 0,100,200,400,600] [--audio 0,200,400,800] [--window 5]
 */
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rtpIngestStreams, WorkerPool } from '@mi/media-server';
import { createLogger } from '@mi/telemetry';
import {
  ffmpeg,
  fix,
  hostBusySeconds,
  isMain,
  linearFit,
  machine,
  pidCpuSeconds,
  selfCpuSeconds,
  sleep,
  spawnFfmpeg,
  writeResult,
} from './common.ts';

type Worker = WorkerPool['workers'][number];
type Router = Awaited<ReturnType<Worker['createRouter']>>;
type Transport = Awaited<ReturnType<Router['createPlainTransport']>>;
type Producer = Awaited<ReturnType<Transport['produce']>>;

export type CapacityOptions = {
  videoSteps?: number[];
  audioSteps?: number[];
  windowSec?: number;
  /** CPU budget (fraction of one core) at which consumers per core are read off the fit. */
  budget?: number;
};

/** mediasoup's own figure, stated as the baseline. */
export const PUBLISHED = {
  consumersPerWorker: 500,
  source: 'https://mediasoup.org/documentation/v3/scalability/',
  quote:
    'Depending on the host capabilities, a mediasoup C++ subprocess (worker) can typically handle over ~500 consumers in total.',
  note: 'Published for WebRTC transports (ICE + DTLS + SRTP encryption per packet) and a single core; measured here over plain RTP (no SRTP), loopback.',
};

// The same payload types, SSRCs and parameters as the product's RTP ingest (copied: mediasoup's types are mutable).
const clone = <T>(v: T) => structuredClone(v) as never;
const { audio: AUDIO, video: VIDEO } = rtpIngestStreams;

/** A UDP sink that counts RTP and RTCP datagrams; one socket for every consumer. */
async function udpSink() {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  const c = { rtp: 0, rtcp: 0, bytes: 0 };
  socket.on('message', (msg) => {
    const pt = msg[1]! & 0x7f;
    // RTCP packet types 200..206 show up as 72..78 with the marker bit masked off.
    if (pt >= 72 && pt <= 78) c.rtcp++;
    else {
      c.rtp++;
      c.bytes += msg.length;
    }
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const port = socket.address().port;
  return {
    port,
    counts: () => ({ ...c }),
    /** Datagrams the kernel dropped on this socket (receive buffer full), from /proc/net/udp. */
    kernelDrops: () => udpDrops(port),
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}

type Sink = Awaited<ReturnType<typeof udpSink>>;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function producerCounters(p: Producer): Promise<{ packets: number; bytes: number; lost: number }> {
  const stats = await p.getStats();
  return stats.reduce(
    (a, s) => ({ packets: a.packets + s.packetCount, bytes: a.bytes + s.byteCount, lost: a.lost + s.packetsLost }),
    { packets: 0, bytes: 0, lost: 0 },
  );
}

/** Datagrams the kernel dropped on a UDP socket bound to 127.0.0.1:port (receive buffer full). */
function udpDrops(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const line = readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .find((l) => l.trim().split(/\s+/)[1] === local);
  return line ? Number(line.trim().split(/\s+/).at(-1)) : Number.NaN;
}

export async function runCapacity(opts: CapacityOptions = {}) {
  const videoSteps = opts.videoSteps ?? [0, 100, 200, 400, 600];
  const audioSteps = opts.audioSteps ?? [0, 200, 400, 800];
  const windowSec = opts.windowSec ?? 5;
  const budget = opts.budget ?? 0.8;
  const dir = await mkdtemp(join(tmpdir(), 'mi-bench-sfu-'));
  const pool = new WorkerPool(
    { workers: 1, rtcMinPort: 20000, rtcMaxPort: 29999, logLevel: 'error' },
    createLogger({ service: 'bench', level: 'silent' }),
  );
  await pool.start();
  const worker = pool.workers[0]!;
  const sink = await udpSink();
  let sender: ReturnType<typeof spawnFfmpeg> | undefined;
  try {
    // Source: 20 s of VP8 (noisy test pattern, so the encoder really spends ~800 kbps) + Opus sine,
    // encoded once up front and joined 9 times over (concat demuxer: continuous timestamps; ffmpeg's
    // -stream_loop with -re stalled the video after a loop); the sender only packetizes (-c copy).
    const clip = join(dir, 'clip.webm');
    const src = join(dir, 'src.webm');
    await ffmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30,noise=alls=12:allf=t'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '20'],
      ...['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '800k', '-minrate', '800k'],
      ...['-maxrate', '800k', '-g', '30', '-pix_fmt', 'yuv420p'],
      ...['-c:a', 'libopus', '-b:a', '48k', '-ac', '2', '-application', 'voip', clip],
    ]);
    const list = join(dir, 'list.txt');
    await writeFile(list, `file '${clip}'\n`.repeat(9));
    await ffmpeg(['-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', src]);

    const router = await worker.createRouter({
      mediaCodecs: [
        { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
        { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
      ],
    });
    const inbound = async () =>
      router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
    const aIn = await inbound();
    const vIn = await inbound();
    const audio = await aIn.produce({ kind: 'audio', rtpParameters: clone(AUDIO.rtpParameters) });
    const video = await vIn.produce({ kind: 'video', rtpParameters: clone(VIDEO.rtpParameters) });
    const url = (t: Transport) =>
      `rtp://127.0.0.1:${t.tuple.localPort}?rtcpport=${t.rtcpTuple!.localPort}&pkt_size=1200`;
    sender = spawnFfmpeg([
      ...['-re', '-i', src],
      ...['-map', '0:a:0', '-c:a', 'copy', '-payload_type', String(AUDIO.payloadType), '-ssrc', String(AUDIO.ssrc)],
      ...['-f', 'rtp', url(aIn)],
      ...['-map', '0:v:0', '-c:v', 'copy', '-payload_type', String(VIDEO.payloadType), '-ssrc', String(VIDEO.ssrc)],
      ...['-f', 'rtp', url(vIn)],
    ]);
    const senderPid = sender.proc.pid!;
    await sleep(2000);
    if ((await producerCounters(video)).packets === 0) throw new Error(`no RTP reached the SFU: ${sender.stderr()}`);

    const consumerTo = async (port: number, producer: Producer) => {
      const t = await router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: true,
        comedia: false,
      });
      await t.connect({ ip: '127.0.0.1', port });
      await t.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
      return t;
    };

    const nominalPps: Partial<Record<'audio' | 'video', number>> = {};
    const snapshot = async (producer: Producer, producerPort: number, refSink: Sink) => ({
      worker: pidCpuSeconds(worker.pid),
      sender: pidCpuSeconds(senderPid),
      self: selfCpuSeconds(),
      host: hostBusySeconds(),
      sink: sink.counts(),
      ref: refSink.counts(),
      drops: sink.kernelDrops(),
      inDrops: udpDrops(producerPort),
      producer: await producerCounters(producer),
      at: performance.now(),
    });
    const measure = async (n: number, producer: Producer, producerPort: number, refSink: Sink) => {
      const before = await snapshot(producer, producerPort, refSink);
      await sleep(windowSec * 1000);
      const after = await snapshot(producer, producerPort, refSink);
      const sec = (after.at - before.at) / 1000;
      const producerPps = (after.producer.packets - before.producer.packets) / sec;
      const sinkPps = (after.sink.rtp - before.sink.rtp) / sec;
      const refPps = (after.ref.rtp - before.ref.rtp) / sec;
      const drops = after.drops - before.drops;
      const workerCpu = (after.worker - before.worker) / sec;
      const selfCpu = (after.self - before.self) / sec;
      const senderCpu = (after.sender - before.sender) / sec;
      const hostBusy = (after.host - before.host) / sec;
      return {
        consumers: n,
        workerCpu: fix(workerCpu, 4), // cores (1 = one core busy)
        producerPps: fix(producerPps, 1),
        producerKbps: fix(((after.producer.bytes - before.producer.bytes) * 8) / sec / 1000, 1),
        producerLost: after.producer.lost - before.producer.lost,
        producerSocketDrops: after.inDrops - before.inDrops,
        perConsumerPps: fix(refPps, 1),
        sinkPps: fix(sinkPps, 1),
        expectedSinkPps: fix(n * refPps, 1),
        // Received at the sink / N x what the reference consumer received.
        delivered: n > 0 ? fix(sinkPps / (n * refPps), 4) : null,
        // Datagrams the sink's kernel buffer dropped (the Node sink fell behind, not the SFU).
        sinkKernelDrops: drops,
        // What the SFU put on the wire: received + dropped at the sink, / N x reference.
        forwarded: n > 0 ? fix((sinkPps + drops / sec) / (n * refPps), 4) : null,
        sinkMbps: fix(((after.sink.bytes - before.sink.bytes) * 8) / sec / 1e6, 2),
        benchProcessCpu: fix(selfCpu, 3), // the Node sink + mediasoup channel
        senderCpu: fix(senderCpu, 3),
        hostBusyCores: fix(hostBusy, 3),
        // Busy cores not ours (other work on the host during the window).
        otherLoadCores: fix(Math.max(0, hostBusy - workerCpu - selfCpu - senderCpu), 3),
        retried: false,
      };
    };

    const series = async (kind: 'audio' | 'video', producer: Producer, steps: number[]) => {
      const producerPort = (kind === 'audio' ? aIn : vIn).tuple.localPort;
      // One extra consumer, present throughout, into its own sink: what one consumer receives,
      // counted at the same instants as the load sink (so sender bursts and window edges cancel).
      const refSink = await udpSink();
      const ref = await consumerTo(refSink.port, producer);
      await sleep(kind === 'video' ? 2000 : 500);
      const transports: Transport[] = [];
      const rows: (Awaited<ReturnType<typeof measure>> & { setupMs: number })[] = [];
      for (const n of steps) {
        // Grow (or shrink) to n consumers, in parallel batches.
        while (transports.length > n) transports.pop()!.close();
        const t0 = Date.now();
        while (transports.length < n) {
          const batch = Math.min(50, n - transports.length);
          transports.push(...(await Promise.all(Array.from({ length: batch }, () => consumerTo(sink.port, producer)))));
        }
        const setupMs = Date.now() - t0;
        await sleep(kind === 'video' ? 2000 : 500); // video consumers start on the next key frame (GOP 1 s)
        // A window where the sender was starved (other load on this 2-core host) is measured again once.
        if (sender!.proc.exitCode !== null) throw new Error(`the RTP sender ended early: ${sender!.stderr()}`);
        let row = await measure(n, producer, producerPort, refSink);
        if (nominalPps[kind] && Math.abs(row.producerPps! / nominalPps[kind]! - 1) > 0.15) {
          console.error(`capacity ${kind} n=${n}: producer rate ${row.producerPps} pps off nominal, measuring again`);
          row = { ...(await measure(n, producer, producerPort, refSink)), retried: true };
        }
        nominalPps[kind] ??= row.producerPps!;
        rows.push({ ...row, setupMs });
        console.error(`capacity ${kind} n=${n}: ${JSON.stringify(rows.at(-1))}`);
      }
      for (const t of transports) t.close();
      ref.close();
      await refSink.close();
      await sleep(300);
      // Consumers weighted by the packet rate actually forwarded in their window, relative to the
      // producer's nominal rate, so a window where the sender ran slow does not bend the fit.
      // Steps where the host ran out of CPU (the sender starved or the worker's inbound socket
      // overflowed: this 2-core box also runs the Node sink, which costs about as much as the
      // worker) measure the box, not the SFU, and are left out of the fit.
      const nominal = median(rows.map((r) => r.perConsumerPps ?? 0));
      const saturated = (r: { producerSocketDrops: number; producerPps: number | null }) =>
        r.producerSocketDrops > 0 || Math.abs((r.producerPps ?? 0) / nominal - 1) > 0.15;
      const used = rows.filter((r) => !saturated(r));
      const fit = linearFit(
        used.map((r) => (r.consumers * (r.perConsumerPps ?? 0)) / nominal),
        used.map((r) => r.workerCpu ?? 0),
      );
      const consumersAtBudget = (budget - fit.intercept) / fit.slope;
      const perCore = consumersAtBudget / budget; // a full core, same slope
      return {
        steps: rows,
        nominalProducerPps: fix(nominal, 1),
        excludedFromFit: rows.filter(saturated).map((r) => r.consumers),
        fit: {
          x: 'consumers x (per-consumer pps in the window / nominal pps)',
          cpuPerForwardedPacketUs: fix((fit.slope / nominal) * 1e6, 3),
          cpuPerConsumerPct: fix(fit.slope * 100, 5),
          idleCpuPct: fix(fit.intercept * 100, 3),
          r2: fix(fit.r2, 4),
        },
        consumersAtBudget: Math.round(consumersAtBudget),
        ratioVsPublished: fix(consumersAtBudget / PUBLISHED.consumersPerWorker, 2),
        consumersPerFullCoreExtrapolated: Math.round(perCore),
      };
    };

    const videoResult = await series('video', video, videoSteps);
    const audioResult = await series('audio', audio, audioSteps);
    return {
      setup: {
        worker: 'one mediasoup worker (the project WorkerPool, workers=1), one router',
        producers:
          'Opus 48 kbps stereo + VP8 ~800 kbps 640x360@30 (GOP 1 s), ffmpeg -re -c copy over RTP into comedia PlainTransports',
        consumers: 'each on its own PlainTransport (comedia false, rtcpMux true) -> one Node UDP sink on 127.0.0.1',
        windowSec,
        cpuBudgetOfOneCore: budget,
      },
      baseline: PUBLISHED,
      video: videoResult,
      audio: audioResult,
    };
  } finally {
    await sender?.stop();
    await sink.close();
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      video: { type: 'string', default: '0,100,200,400,600' },
      audio: { type: 'string', default: '0,200,400,800' },
      window: { type: 'string', default: '5' },
    },
  });
  const result = await runCapacity({
    videoSteps: values.video.split(',').map(Number),
    audioSteps: values.audio.split(',').map(Number),
    windowSec: Number(values.window),
  });
  console.log(
    writeResult('sfu-capacity.json', {
      benchmark: 'sfu-capacity',
      date: new Date().toISOString(),
      machine: machine(),
      ...result,
    }),
  );
}
