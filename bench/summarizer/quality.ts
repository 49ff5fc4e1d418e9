import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baselineExtract } from '../../summarizer/src/eval/baseline.ts';
import { evaluate, incrementalExtract, type SetResult, type Variant } from '../../summarizer/src/eval/evaluate.ts';
import { type LabelledMeeting, loadMeetings } from '../../summarizer/src/eval/load.ts';
import type { Figures } from '../../summarizer/src/eval/score.ts';

// Quality of the rules engine on the labelled meetings, against a keyword baseline measured in
// the same run, on the original text and on asrNormalise()d text; plus per-segment latency.
// Usage: pnpm exec tsx bench/summarizer/quality.ts

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// development: m01–m12, plus m13–m16 and m17–m21, each held out until a generalisation pass used them.
// blind: m22–m26, written by someone who never saw the engine, and never used to change it.
const SETS = {
  development: [
    'summarizer/fixtures/meetings',
    'summarizer/fixtures/meetings-heldout',
    'summarizer/fixtures/meetings-test',
  ],
  blind: ['summarizer/fixtures/meetings-blind'],
} as const;
const VARIANTS: Variant[] = ['original', 'asr'];

const ratio = (ours: number, base: number): number | null =>
  base === 0 ? null : Math.round((ours / base) * 100) / 100;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, i)] ?? 0) * 1000) / 1000;
}

function compare(ours: Figures, baseline: Figures) {
  return {
    ours,
    baseline,
    ratioF1: {
      actionItems: ratio(ours.actionItems.f1, baseline.actionItems.f1),
      owner: ratio(ours.owner.f1, baseline.owner.f1),
      decisions: ratio(ours.decisions.f1, baseline.decisions.f1),
    },
  };
}

const perMeeting = (r: SetResult) =>
  Object.fromEntries(
    r.meetings.map((m) => [
      m.id,
      {
        actionItemsF1: m.figures.actionItems.f1,
        ownerF1: m.figures.owner.f1,
        dueAccuracy: m.figures.dueAccuracy,
        decisionsF1: m.figures.decisions.f1,
      },
    ]),
  );

function measureSet(meetings: readonly LabelledMeeting[]) {
  const timings: number[] = [];
  const out: Record<string, unknown> = {
    meetings: meetings.length,
    segments: meetings.reduce((n, m) => n + m.segments.length, 0),
  };
  for (const variant of VARIANTS) {
    const ours = evaluate(meetings, incrementalExtract(timings), variant);
    const baseline = evaluate(meetings, baselineExtract, variant);
    out[variant] = { ...compare(ours.overall, baseline.overall), perMeeting: perMeeting(ours) };
  }
  const sorted = [...timings].sort((a, b) => a - b);
  out.msPerSegment = {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    samples: sorted.length,
  };
  return out;
}

const loaded = Object.fromEntries(
  Object.entries(SETS).map(([name, dirs]) => [name, dirs.flatMap((dir) => loadMeetings(join(root, dir)))]),
) as Record<keyof typeof SETS, LabelledMeeting[]>;
// Warm the JIT on the development set so latency reflects a long-running service, not start-up.
for (let round = 0; round < 5; round++)
  for (const variant of VARIANTS) evaluate(loaded.development, incrementalExtract(), variant);

const result = {
  generatedAt: new Date().toISOString(),
  node: process.version,
  development: measureSet(loaded.development),
  blind: measureSet(loaded.blind),
};
const json = JSON.stringify(result, null, 2);
const file = join(root, 'bench', 'results', 'summarizer-quality.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${json}\n`);
console.log(json);
