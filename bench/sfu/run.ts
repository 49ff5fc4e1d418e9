/**
 * SFU benchmark (not a test): forwarding capacity per worker core, CPU cost of the audio tap and
 * glass-to-transcript latency through a real browser, each against a baseline measured or stated
 * in the same run. Writes bench/results/sfu.json. About 4-5 minutes on 2 cores.
 *   pnpm bench:sfu [--skip capacity,tap,glass]
 */
import { parseArgs } from 'node:util';
import { runCapacity } from './capacity.ts';
import { machine, writeResult } from './common.ts';
import { runGlass } from './glass.ts';
import { runTapCost } from './tap-cost.ts';

const { values } = parseArgs({ options: { skip: { type: 'string', default: '' } } });
const skip = new Set(values.skip.split(',').filter(Boolean));
const started = Date.now();
const timed = async <T>(name: string, f: () => Promise<T>): Promise<T & { seconds: number }> => {
  const t0 = Date.now();
  console.error(`sfu bench: ${name}...`);
  const r = await f();
  return { ...r, seconds: Math.round((Date.now() - t0) / 1000) };
};

const capacity = skip.has('capacity') ? undefined : await timed('capacity', () => runCapacity());
const tapCost = skip.has('tap') ? undefined : await timed('tap-cost', () => runTapCost());
const glass = skip.has('glass') ? undefined : await timed('glass', () => runGlass());

const report = {
  benchmark: 'sfu',
  date: new Date().toISOString(),
  machine: machine(),
  totalSeconds: Math.round((Date.now() - started) / 1000),
  summary: {
    ...(capacity && {
      videoConsumersPerWorkerAt80PctCore: capacity.video.consumersAtBudget,
      audioConsumersPerWorkerAt80PctCore: capacity.audio.consumersAtBudget,
      videoRatioVsPublished500: capacity.video.ratioVsPublished,
      audioRatioVsPublished500: capacity.audio.ratioVsPublished,
    }),
    ...(tapCost && {
      tapCpuSecondsPerAudioSecond: Object.fromEntries(
        tapCost.runs.map((r) => [`${r.taps}tap${r.taps > 1 ? 's' : ''}`, r.cpuSecondsPerAudioSecond]),
      ),
      tapRatioVsFfmpegDecode: Object.fromEntries(
        tapCost.runs.map((r) => [`${r.taps}tap${r.taps > 1 ? 's' : ''}`, r.ratioVsFfmpegDecode]),
      ),
    }),
    ...(glass && {
      glassToFinalMs: glass.webrtc.endOfUtteranceToFinalMs,
      glassToFinalConservativeMs: glass.webrtc.conservativeGetUserMediaCallAsStartMs,
      wsIngestToFinalMs: glass.baselineWsIngest.endOfUtteranceToFinalMs,
      glassRatioVsWs: glass.ratioVsWs,
      p95TargetMs: glass.target.p95Ms,
      p95TargetMet: glass.target.met,
    }),
  },
  capacity,
  tapCost,
  glass,
};
console.log(writeResult('sfu.json', report));
process.exit(0);
