/**
 * Live summarizer latency benchmark (not a test): spoken two-person meetings (festival voices,
 * real time) through ingest, transcription and the summarizer of a separately running server.
 * Measures end of utterance to action-item event (approved or pending) p50/p95/p99, against the
 * raw transcript path measured in the same run (end of utterance to its final transcript), and the
 * summarizer's own share (final to action item).
 *   pnpm bench:summarizer-latency [--rooms 1,2] [--repeat 2]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ActionApprovedData, Envelope, TranscriptFinalData } from '@mi/contracts';
import { streamToIngest } from '@mi/media-server';
import { quantiles } from '@mi/telemetry';
import { planningScript } from '@mi/transcriber/testing';
import { WebSocket } from 'ws';
import { buildMeeting } from '../../e2e/support/meeting.ts';
import { repoRoot, startServer } from '../support/server.ts';

const { values } = parseArgs({
  options: { rooms: { type: 'string', default: '1,2' }, repeat: { type: 'string', default: '2' } },
});
const levels = values.rooms.split(',').map(Number);
const meeting = await buildMeeting({ script: planningScript, gapMs: 800 });
const server = await startServer({ SUMMARY_END_GRACE_MS: '600000' });

type Sample = { eouToAction: number; eouToFinal: number; finalToAction: number };
const runs = [];
for (const rooms of levels) {
  const samples: Sample[] = [];
  let items = 0;
  for (let rep = 0; rep < Number(values.repeat); rep++) {
    const names = Array.from({ length: rooms }, (_, i) => `lat${rooms}x${rep}r${i}`);
    const events = new Map<string, { at: number; ev: Envelope }[]>();
    const sockets = await Promise.all(
      names.map(async (room) => {
        const list: { at: number; ev: Envelope }[] = [];
        events.set(room, list);
        const ws = new WebSocket(`ws${server.url.slice(4)}/v1/rooms/${room}/ws?from=now`);
        ws.on('message', (d) =>
          list.push({ at: Date.now(), ev: (JSON.parse(d.toString()) as { event: Envelope }).event }),
        );
        await new Promise((r) => ws.once('open', r));
        return ws;
      }),
    );
    const readyAt = new Map<string, number>(); // `${room}/${speaker}` -> wall clock of sample 0
    await Promise.all(
      names.flatMap((room) =>
        (['alice', 'bob'] as const).map((who) =>
          streamToIngest({
            url: `ws${server.url.slice(4)}/v1/ingest/audio`,
            hello: { room, participant: { id: who, name: who }, sampleRate: 16000, encoding: 'pcm_s16le' },
            pcm: meeting.tracks[who],
            realtime: true,
            onReady: (_stream, t) => readyAt.set(`${room}/${who}`, t),
          }),
        ),
      ),
    );
    await new Promise((r) => setTimeout(r, 5000));
    for (const ws of sockets) ws.close();
    for (const room of names) {
      const list = events.get(room)!;
      const finals = list.filter((e) => e.ev.type === 'transcript.final');
      for (const e of list.filter((x) => x.ev.type === 'action.approved' || x.ev.type === 'action.pending')) {
        const item = (e.ev.data as ActionApprovedData).item;
        if (e.ev.type === 'action.approved' && (e.ev.data as ActionApprovedData).decidedBy.kind !== 'policy') continue;
        items++;
        // The segment that completed the item: its last source segment.
        const last = item.sourceSegments.at(-1);
        const final = finals.find((f) => (f.ev.data as TranscriptFinalData).segmentId === last);
        if (!final) continue;
        const d = final.ev.data as TranscriptFinalData;
        const t0 = readyAt.get(`${room}/${d.speaker.id}`)!;
        const u = meeting.utterances.find((x) => x.speaker === d.speaker.id && d.start < x.end && d.end > x.start);
        if (!u) continue;
        const eou = t0 + u.end;
        samples.push({ eouToAction: e.at - eou, eouToFinal: final.at - eou, finalToAction: e.at - final.at });
      }
    }
    console.error(`rooms=${rooms} repeat=${rep} done (${samples.length} samples so far)`);
  }
  const q = (xs: number[]) => {
    const r = quantiles(xs);
    return { p50: Math.round(r.p50), p95: Math.round(r.p95), p99: Math.round(r.p99), n: r.n };
  };
  const action = q(samples.map((s) => s.eouToAction));
  const final = q(samples.map((s) => s.eouToFinal));
  runs.push({
    concurrentMeetings: rooms,
    streams: rooms * 2,
    actionItemEvents: items,
    endOfUtteranceToActionItemMs: action,
    baselineEndOfUtteranceToFinalMs: final,
    summarizerFinalToActionItemMs: q(samples.map((s) => s.finalToAction)),
    ratioP95VsBaseline: +(action.p95 / Math.max(1, final.p95)).toFixed(3),
  });
}
await server.stop();

const report = {
  benchmark: 'summarizer-latency',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model },
  meeting: { utterances: meeting.utterances.length, seconds: +(meeting.durationMs / 1000).toFixed(1) },
  note: 'baseline = end of utterance to its final transcript for the same utterances in the same run',
  runs,
};
const out = JSON.stringify(report, null, 2);
console.log(out);
mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(join(repoRoot, 'bench/results/summarizer-latency.json'), `${out}\n`);
