import { readFileSync } from 'node:fs';
import { streamToIngest } from '@mi/media-server';
import { meetingScript, synthesizeScript } from '@mi/transcriber/testing';
import { treeCpuSeconds } from '../support/proc-cpu.ts';
import { startServer } from '../support/server.ts';

const own = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const clips = (await synthesizeScript(meetingScript.slice(0, 6))).map((l) => l.pcm);
const gap = 16000;
const track = new Int16Array(gap + clips.reduce((a, c) => a + c.length + gap, 0));
let at = gap;
for (const c of clips) {
  track.set(c, at);
  at += c.length + gap;
}
const server = await startServer(process.env.MODE ? { ASR_STREAM_MODE: process.env.MODE } : {});
const t0 = treeCpuSeconds(server.pid),
  n0 = own(server.pid);
await Promise.all(
  Array.from({ length: 4 }, (_, i) =>
    streamToIngest({
      url: `ws${server.url.slice(4)}/v1/ingest/audio`,
      hello: { room: 'x', participant: { id: `p${i}`, name: 'P' }, sampleRate: 16000, encoding: 'pcm_s16le' },
      pcm: track,
      realtime: true,
    }),
  ),
);
await new Promise((r) => setTimeout(r, 2000));
const total = treeCpuSeconds(server.pid) - t0,
  node = own(server.pid) - n0;
const sec = (4 * track.length) / 16000;
console.log(
  JSON.stringify({
    streamSec: sec,
    totalPerSec: +(total / sec).toFixed(4),
    nodePerSec: +(node / sec).toFixed(4),
    enginePerSec: +((total - node) / sec).toFixed(4),
  }),
);
await server.stop();
