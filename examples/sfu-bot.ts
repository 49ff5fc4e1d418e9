/**
 * A meeting bot that joins a WebRTC room on the SFU and publishes a media file over RTP
 * (the SFU's RTP ingest; ffmpeg encodes Opus and VP8 in real time).
 *   pnpm example:sfu-bot talk.mp4 --room demo --name Presenter [--video] [--url http://127.0.0.1:8080] [--api-key KEY]
 * Everyone in the room (browsers on /room) sees and hears it; its audio is transcribed as the bot.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RoomTokenResponse } from '@mi/contracts';
import { publishFileOverRtp, SignalingClient } from '@mi/media-server';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    room: { type: 'string', default: 'demo' },
    name: { type: 'string', default: 'Bot' },
    id: { type: 'string' },
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    'api-key': { type: 'string', default: process.env.MI_API_KEY },
    video: { type: 'boolean', default: false },
    loop: { type: 'string', default: '0' },
  },
});
const file = positionals[0];
if (!file) {
  console.error('usage: pnpm example:sfu-bot <file> --room demo --name Presenter [--video]');
  process.exit(2);
}
const path = resolve(process.env.INIT_CWD ?? process.cwd(), file);

const res = await fetch(`${values.url}/v1/rooms/${encodeURIComponent(values.room)}/tokens`, {
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    ...(values['api-key'] ? { authorization: `Bearer ${values['api-key']}` } : {}),
  },
  body: JSON.stringify({ participant: { name: values.name, ...(values.id ? { id: values.id } : {}) } }),
});
if (!res.ok) {
  console.error(`token refused: HTTP ${res.status} ${await res.text()}`);
  process.exit(1);
}
const { url, participant } = (await res.json()) as RoomTokenResponse;
const client = await SignalingClient.connect(url);
const { rtpCapabilities } = await client.request('getRouterRtpCapabilities', {});
const joined = await client.request('join', { rtpCapabilities });
console.error(
  `joined room ${values.room} as ${participant.name} (${participant.id}); ${joined.peers.length} others here`,
);
const pub = await publishFileOverRtp(client, {
  file: path,
  audio: true,
  video: values.video,
  loop: Number(values.loop),
});
console.error(`publishing ${pub.producers.map((p) => p.kind).join(' + ')}: ffmpeg ${pub.args.join(' ')}`);
process.once('SIGINT', () => void pub.stop());
await pub.done.catch((err: Error) => console.error(err.message));
await client.request('leave', {}).catch(() => undefined);
client.close();
console.error('done');
