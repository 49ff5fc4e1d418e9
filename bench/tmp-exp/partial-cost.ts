import { PocketsphinxEngine, wordErrorRate } from '@mi/transcriber';
import { meetingScript, synthesizeScript } from '@mi/transcriber/testing';
import { treeCpuSeconds } from '../support/proc-cpu.ts';

const lines = meetingScript;
const clips = (await synthesizeScript(lines)).map((l) => l.pcm);
const speechSec = clips.reduce((a, c) => a + c.length, 0) / 16000;
const cpuOf = (e: PocketsphinxEngine) => e.pids.reduce((a, p) => a + treeCpuSeconds(p), 0);
const variants: [string, string[] | undefined, 'hybrid' | 'live'][] = [
  ['default-hybrid', undefined, 'hybrid'],
  ['live', undefined, 'live'],
];
for (const [name, partialArgs, mode] of variants) {
  const e = await PocketsphinxEngine.create({
    processes: 1,
    streamMode: mode,
    ...(partialArgs ? { partialDecoderArgs: partialArgs } : {}),
  });
  const c0 = cpuOf(e);
  const hyps: string[] = [];
  const partialWer: number[] = [];
  const finishMs: number[] = [];
  for (const [i, clip] of clips.entries()) {
    const s = e.startStream();
    let last = '';
    for (let at = 0; at < clip.length; at += 1600) {
      s.write(clip.subarray(at, at + 1600));
      if ((at / 1600) % 4 === 3) last = await s.partial();
    }
    last = (await s.partial()) || last;
    partialWer.push(wordErrorRate(lines[i]!.text, last));
    const tf = performance.now();
    hyps.push((await s.finish()).text);
    finishMs.push(performance.now() - tf);
  }
  const cpu = cpuOf(e) - c0;
  const c1 = cpuOf(e);
  const batch = await e.transcribe(clips.map((pcm, i) => ({ id: String(i), pcm })));
  const batchCpu = cpuOf(e) - c1;
  console.log(
    JSON.stringify({
      name,
      streamRtf: +(cpu / speechSec).toFixed(3),
      batchRtf: +(batchCpu / speechSec).toFixed(3),
      finalWer: +wordErrorRate(lines.map((l) => l.text).join(' '), hyps.join(' ')).toFixed(3),
      batchWer: +wordErrorRate(lines.map((l) => l.text).join(' '), batch.map((b) => b.text).join(' ')).toFixed(3),
      finishMs: finishMs.map(Math.round),
      lastPartialWer: +(partialWer.reduce((a, b) => a + b, 0) / partialWer.length).toFixed(3),
    }),
  );
  await e.close();
}
