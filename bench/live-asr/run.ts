/**
 * Live ASR benchmark (not a test): 1, 2, 4 and 8 concurrent speakers streamed at real-time pace
 * through the WS ingest of a separately running server; compared with the bare engine
 * (pocketsphinx_batch) on the same audio, measured in the same run.
 *   pnpm bench:live-asr [--streams 1,2,4,8] [--utterances 12]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Envelope, TranscriptFinalData, TranscriptPartialData } from '@mi/contracts';
import { streamToIngest } from '@mi/media-server';
import { quantiles } from '@mi/telemetry';
import { wordErrorRate } from '@mi/transcriber';
import { meetingScript, runPocketsphinxBatch, speechBounds, synthesizeScript } from '@mi/transcriber/testing';
import { WebSocket } from 'ws';
import { treeCpuSeconds } from '../support/proc-cpu.ts';
import { repoRoot, startServer } from '../support/server.ts';

const { values } = parseArgs({
  options: { streams: { type: 'string', default: '1,2,4,8' }, utterances: { type: 'string', default: '12' } },
});
const levels = values.streams.split(',').map(Number);
const RATE = 16000;
const GAP_MS = 1000;

// One speaker track: every scripted line in turn, with pauses; utterance bounds known exactly.
const lines = meetingScript.slice(0, Number(values.utterances));
const clips = (await synthesizeScript(lines)).map((l) => l.pcm);
const gap = (GAP_MS / 1000) * RATE;
const track = new Int16Array(gap + clips.reduce((a, c) => a + c.length + gap, 0));
const spans: { start: number; end: number; text: string }[] = [];
let at = gap;
clips.forEach((c, i) => {
  track.set(c, at);
  const b = speechBounds(c);
  spans.push({ start: ((at + b.first) / RATE) * 1000, end: ((at + b.last) / RATE) * 1000, text: lines[i]!.text });
  at += c.length + gap;
});
const reference = lines.map((l) => l.text).join(' ');
const audioSec = track.length / RATE;

// Bare engine on the same utterances (one process, same model and search): WER and CPU.
const bare = await runPocketsphinxBatch(clips, { jobs: 1 });
const bareWer = wordErrorRate(reference, bare.hypotheses.join(' '));
const clipSec = clips.reduce((a, c) => a + c.length, 0) / RATE;
const bareCapacity = clipSec / bare.cpuSec; // audio seconds per CPU second
// The bare engine on literally the same audio as one stream (the whole track, silences included).
const bareTrack = await runPocketsphinxBatch([track], { jobs: 1 });
const bareTrackWer = wordErrorRate(reference, bareTrack.hypotheses.join(' '));
const bareTrackCapacity = audioSec / bareTrack.cpuSec;

const server = await startServer();
const runs = [];
for (const n of levels) {
  const room = `bench${n}`;
  const events: { at: number; ev: Envelope }[] = [];
  const ws = new WebSocket(`ws${server.url.slice(4)}/v1/rooms/${room}/ws?from=now`);
  ws.on('message', (d) => events.push({ at: Date.now(), ev: (JSON.parse(d.toString()) as { event: Envelope }).event }));
  await new Promise((r) => ws.once('open', r));
  const cpu0 = treeCpuSeconds(server.pid);
  const readyAt = new Map<string, number>();
  const results = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 250)); // stagger like real speakers
      return streamToIngest({
        url: `ws${server.url.slice(4)}/v1/ingest/audio`,
        hello: { room, participant: { id: `p${i}`, name: `Speaker ${i}` }, sampleRate: RATE, encoding: 'pcm_s16le' },
        pcm: track,
        realtime: true,
        onReady: (stream, t) => readyAt.set(stream, t),
      });
    }),
  );
  const expected = n * spans.length;
  const until = Date.now() + 20_000;
  while (events.filter((e) => e.ev.type === 'transcript.final').length < expected && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 500));
  const cpu = treeCpuSeconds(server.pid) - cpu0;
  ws.close();

  const eouLatency: number[] = [];
  const firstPartial: number[] = [];
  const wers: number[] = [];
  for (const r of results) {
    const t0 = readyAt.get(r.stream)!;
    const finals = events.filter(
      (e) => e.ev.type === 'transcript.final' && (e.ev.data as TranscriptFinalData).stream === r.stream,
    );
    const partials = events.filter(
      (e) => e.ev.type === 'transcript.partial' && (e.ev.data as TranscriptPartialData).stream === r.stream,
    );
    wers.push(wordErrorRate(reference, finals.map((f) => (f.ev.data as TranscriptFinalData).text).join(' ')));
    for (const s of spans) {
      const f = finals.find((e) => overlaps(e.ev.data as TranscriptFinalData, s));
      if (f) eouLatency.push(f.at - (t0 + s.end));
      const p = partials.find((e) => overlaps(e.ev.data as TranscriptPartialData, s));
      if (p) firstPartial.push(p.at - (t0 + s.start));
    }
  }
  const wer = wers.reduce((a, b) => a + b, 0) / wers.length;
  const pipelineCapacity = (n * audioSec) / cpu;
  runs.push({
    streams: n,
    finals: events.filter((e) => e.ev.type === 'transcript.final').length,
    expectedFinals: expected,
    endOfUtteranceToFinalMs: round(quantiles(eouLatency)),
    firstPartialAfterSpeechStartMs: round(quantiles(firstPartial)),
    wer: +wer.toFixed(4),
    werRatioVsBare: +(wer / Math.max(bareWer, 1e-9)).toFixed(3),
    cpuSecondsPerAudioSecondPerStream: +(cpu / (n * audioSec)).toFixed(4),
    // Capacity = audio seconds processed per CPU second. vs the bare engine on the same stream audio,
    // and (stricter) vs the bare engine given only the utterances, cut perfectly, counting speech only.
    capacityRatioVsBare: +(pipelineCapacity / bareTrackCapacity).toFixed(3),
    speechOnlyCapacityRatioVsBare: +((n * clipSec) / cpu / bareCapacity).toFixed(3),
  });
  console.error(`streams=${n} done`);
}
await server.stop();

const report = {
  benchmark: 'live-asr',
  date: new Date().toISOString(),
  machine: { cpus: (await import('node:os')).cpus().length, model: (await import('node:os')).cpus()[0]?.model },
  audio: { streamSeconds: +audioSec.toFixed(1), utterances: spans.length, speechSeconds: +clipSec.toFixed(1) },
  bare: {
    engine: 'pocketsphinx_batch (Debian, en-us, default search)',
    utterances: {
      wer: +bareWer.toFixed(4),
      cpuSeconds: +bare.cpuSec.toFixed(2),
      realTimeFactor: +(bare.cpuSec / clipSec).toFixed(4),
    },
    track: {
      wer: +bareTrackWer.toFixed(4),
      cpuSeconds: +bareTrack.cpuSec.toFixed(2),
      realTimeFactor: +(bareTrack.cpuSec / audioSec).toFixed(4),
    },
  },
  runs,
};
const out = JSON.stringify(report, null, 2);
console.log(out);
mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(join(repoRoot, 'bench/results/live-asr.json'), `${out}\n`);

function overlaps(d: { start: number; end: number }, s: { start: number; end: number }) {
  return d.start < s.end && d.end > s.start;
}
function round(q: ReturnType<typeof quantiles>) {
  return { p50: Math.round(q.p50), p95: Math.round(q.p95), p99: Math.round(q.p99), n: q.n };
}
