/**
 * A meeting bot from the command line: streams any audio/video file into a room in real time.
 *   pnpm example:bot meeting.wav --room demo --id alice --name Alice [--url ws://127.0.0.1:8080/v1/ingest/audio]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { streamToIngest } from '@mi/media-server';
import { concatAll, decodeToPcm16k, probeMedia } from '@mi/transcriber';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    room: { type: 'string', default: 'demo' },
    id: { type: 'string' },
    name: { type: 'string', default: 'Bot' },
    url: { type: 'string', default: 'ws://127.0.0.1:8080/v1/ingest/audio' },
    fast: { type: 'boolean', default: false },
  },
});
const file = positionals[0];
if (!file) {
  console.error('usage: pnpm example:bot <file> --room demo --name Alice');
  process.exit(2);
}
const path = resolve(process.env.INIT_CWD ?? process.cwd(), file);
try {
  const info = await probeMedia(path);
  const parts: Int16Array[] = [];
  for await (const pcm of decodeToPcm16k(path)) parts.push(pcm);
  const pcm = concatAll(parts);
  const id = values.id ?? (values.name.toLowerCase().replace(/[^a-z0-9_-]/g, '') || 'bot');
  console.error(`streaming ${(info.durationMs / 1000).toFixed(1)} s into room ${values.room} as ${values.name}`);
  const r = await streamToIngest({
    url: values.url,
    hello: { room: values.room, participant: { id, name: values.name }, sampleRate: 16000, encoding: 'pcm_s16le' },
    pcm,
    realtime: !values.fast,
    onReady: (stream) => console.error(`stream ${stream} ready`),
  });
  console.error(`closed: ${r.closeCode} ${r.closeReason}`);
  process.exit(r.closeCode === 1000 ? 0 : 1);
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
}
