import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  type Envelope,
  type KeyframeData,
  type RecordingData,
  streams,
  subjects,
  type TranscriptFinalData,
} from '@mi/contracts';
import { normalizeText, wordErrorRate } from '@mi/transcriber';
import { runPocketsphinxBatch, writeWavFile } from '@mi/transcriber/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, launchChromium } from './support/chromium.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { buildMeeting, type Meeting } from './support/meeting.ts';

if (!hasChromium) console.warn(`sfu.test.ts: skipped, no Chromium at ${CHROMIUM}`);

/** A headless Chromium whose fake microphone plays `wav` (and a fake camera). */
const launch = (wav: string) => launchChromium({ fakeAudio: wav });

/** Opens the room page and joins with camera and microphone through its form. */
async function joinRoom(browser: Browser, url: string, room: string, name: string, tcp = false): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${url}/room?room=${room}${tcp ? '&transport=tcp' : ''}`);
  await page.fill('#name', name);
  await page.click('#join');
  await page.waitForFunction(() => !(document.getElementById('leave') as HTMLButtonElement).disabled, undefined, {
    timeout: 20_000,
  });
  return page;
}

type Inbound = { audioPackets: number; videoPackets: number; framesDecoded: number; bytes: number };
const inbound = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as { miRoom: { client: { inboundStats(): Promise<Inbound> } } }).miRoom.client.inboundStats(),
  );
const peerIdOf = (page: Page) =>
  page.evaluate(() => (window as unknown as { miRoom: { client: { peerId: string } } }).miRoom.client.peerId);

/** Finals of a room as they are published. */
async function collectFinals(h: Harness, room: string): Promise<{ finals: TranscriptFinalData[]; stop: () => void }> {
  const finals: TranscriptFinalData[] = [];
  const sub = await h.system.bus.replay(
    streams.EVENTS.name,
    { filterSubject: subjects.transcriptFinal(room), from: { kind: 'all' }, live: true },
    (m) => {
      finals.push((JSON.parse(new TextDecoder().decode(m.data)) as Envelope<string, TranscriptFinalData>).data);
    },
  );
  return { finals, stop: () => void sub.unsubscribe() };
}

/** Events stored on a subject so far. */
async function stored<D>(h: Harness, subject: string): Promise<D[]> {
  const out: D[] = [];
  const sub = await h.system.bus.replay(
    streams.EVENTS.name,
    { filterSubject: subject, from: { kind: 'all' }, live: false },
    (m) => {
      out.push((JSON.parse(new TextDecoder().decode(m.data)) as Envelope<string, D>).data);
    },
  );
  await sub.done;
  await sub.unsubscribe();
  return out;
}

/** Duration and codec of a stored media object, by ffprobe. */
async function probeStored(h: Harness, key: string, dir: string): Promise<{ codec: string; seconds: number }> {
  const path = join(dir, key.replaceAll('/', '_'));
  await pipeline(await h.system.store.get(key), createWriteStream(path));
  const out = execFileSync('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_name:format=duration',
    '-of',
    'json',
    path,
  ]);
  const info = JSON.parse(String(out)) as { streams: { codec_name: string }[]; format: { duration: string } };
  return { codec: info.streams[0]?.codec_name ?? '', seconds: Number(info.format.duration) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!hasChromium).each(['embedded', 'distributed'] as const)(
  'WebRTC room in real browsers (%s)',
  (mode) => {
    let h: Harness;
    let dir: string;
    let meeting: Meeting;
    let aliceWav: string;
    let silentWav: string;
    let bobWav: string;
    const bareWer = { alice: 0, bob: 0 };
    let aliceBrowser: Browser;
    let bobBrowser: Browser;
    let bobTalkBrowser: Browser;
    let aliceLoopBrowser: Browser;
    const linesOf = (who: 'alice' | 'bob') => meeting.utterances.filter((u) => u.speaker === who);
    const aliceLines = () => linesOf('alice');

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mi-sfu-'));
      meeting = await buildMeeting({ count: 6, leadMs: 1500 });
      aliceWav = join(dir, 'alice.wav');
      silentWav = join(dir, 'silent.wav');
      await writeWavFile(aliceWav, meeting.tracks.alice);
      await writeWavFile(silentWav, new Int16Array(16000));
      bobWav = join(dir, 'bob.wav');
      await writeWavFile(bobWav, meeting.tracks.bob);
      // The bare engine on each speaker's clips: the baseline for that speaker's transcript.
      for (const who of ['alice', 'bob'] as const) {
        const clips = meeting.clips.filter((_, i) => meeting.utterances[i]!.speaker === who);
        const bare = await runPocketsphinxBatch(clips, { jobs: 2 });
        bareWer[who] = wordErrorRate(
          linesOf(who)
            .map((u) => u.text)
            .join(' '),
          bare.hypotheses.join(' '),
        );
      }
      // Meetings here end without highlight jobs (one test submits its own), keeping the CPU for media.
      const env = { MEDIASOUP_WORKERS: '1', KEYFRAME_OCR: 'false', ROOM_HIGHLIGHTS: 'false' };
      if (mode === 'embedded') h = await startHarness(mode, env);
      else {
        // The media server (SFU, taps) in its own process: tokens from the gateway point browsers at it.
        const port = await freePort();
        h = await startHarness(
          mode,
          { ...env, MEDIA_PORT: String(port), SFU_PUBLIC_URL: `ws://127.0.0.1:${port}` },
          { childServices: ['media-server', 'transcriber'], inProcess: 'gateway,summarizer' },
        );
      }
      aliceBrowser = await launch(`${aliceWav}%noloop`);
      bobBrowser = await launch(silentWav);
      bobTalkBrowser = await launch(`${bobWav}%noloop`);
      aliceLoopBrowser = await launch(aliceWav);
    }, 120_000);

    afterAll(async () => {
      await aliceBrowser?.close();
      await bobBrowser?.close();
      await bobTalkBrowser?.close();
      await aliceLoopBrowser?.close();
      await h?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('forwards audio and video between two browsers and transcribes the speaker', async () => {
      const room = 'webrtc-1';
      if (mode === 'embedded') {
        const ready = (await (await fetch(`${h.url}/readyz`)).json()) as { checks: Record<string, boolean> };
        expect(ready.checks.sfu).toBe(true);
      }
      const { finals, stop } = await collectFinals(h, room);
      // Both join at once, so their scripted turns do not overlap (each file starts at its capture; the
      // echo canceller would eat speech talked over the other's). In the distributed run Bob's media goes over TCP.
      const [bob, alice] = await Promise.all([
        joinRoom(bobTalkBrowser, h.url, room, 'Bob', mode === 'distributed'),
        joinRoom(aliceBrowser, h.url, room, 'Alice'),
      ]);
      const joinedAt = Date.now();
      const aliceId = await peerIdOf(alice);
      const bobId = await peerIdOf(bob);

      // Bob receives Alice's audio and video, and the numbers keep growing.
      await until('media at Bob', async () => (await inbound(bob)).framesDecoded > 10, 30_000);
      const first = await inbound(bob);
      await new Promise((r) => setTimeout(r, 2000));
      const second = await inbound(bob);
      expect(second.audioPackets).toBeGreaterThan(first.audioPackets + 50);
      expect(second.videoPackets).toBeGreaterThan(first.videoPackets + 20);
      expect(second.framesDecoded).toBeGreaterThan(first.framesDecoded);
      expect(await bob.locator(`.tile[data-peer="${aliceId}"] .name`).textContent()).toBe('Alice');
      const protocol = await bob.evaluate(() =>
        (
          window as unknown as { miRoom: { client: { selectedProtocol(): Promise<string> } } }
        ).miRoom.client.selectedProtocol(),
      );
      expect(protocol).toBe(mode === 'distributed' ? 'tcp' : 'udp');
      // Her camera arrives as simulcast (the SFU picks the layer), her microphone as a simple stream.
      const receiving = await bob.evaluate(() =>
        (
          window as unknown as { miRoom: { client: { receiving(): { kind: string; type: string; peerId: string }[] } } }
        ).miRoom.client.receiving(),
      );
      expect(receiving.map((r) => `${r.peerId}:${r.kind}:${r.type}`).sort()).toEqual([
        `${aliceId}:audio:simple`,
        `${aliceId}:video:simulcast`,
      ]);

      // While she talks, the active-speaker observer lights her tile on Bob's page.
      await until(
        'Alice shown speaking',
        async () => (await bob.locator(`.tile.speaking[data-peer="${aliceId}"]`).count()) === 1,
        20_000,
      );

      // The audio-level observer moves her level bar there too. (Browsers send the audio-level RTP
      // header extension both observers read; ffmpeg's RTP does not, so bots get neither.)
      await until(
        'Alice level shown',
        async () =>
          (await bob
            .locator(`.tile[data-peer="${aliceId}"] .level i`)
            .evaluate((el) => parseFloat((el as HTMLElement).style.width) || 0)) > 0,
        20_000,
      );

      // Both talk, each from their own tab: every line becomes a final attributed to whoever said it.
      const ids = { alice: aliceId, bob: bobId };
      const of = (who: 'alice' | 'bob') => finals.filter((f) => f.speaker.id === ids[who]);
      await until(
        'finals of both',
        () => of('alice').length >= linesOf('alice').length && of('bob').length >= linesOf('bob').length,
        meeting.durationMs + 20_000,
      );
      await new Promise((r) => setTimeout(r, 1500));
      stop();
      expect(
        finals.every(
          (f) =>
            (f.speaker.id === aliceId && f.speaker.name === 'Alice') ||
            (f.speaker.id === bobId && f.speaker.name === 'Bob'),
        ),
      ).toBe(true);
      // Attribution: each final best matches a line its own speaker said.
      const script = meeting.utterances;
      for (const f of finals) {
        const best = script.reduce((a, u) => (wordErrorRate(u.text, f.text) < wordErrorRate(a.text, f.text) ? u : a));
        expect(f.speaker.id, `"${f.text}" is ${best.speaker}'s`).toBe(ids[best.speaker]);
      }
      for (const who of ['alice', 'bob'] as const) {
        const lines = linesOf(who);
        const wer = wordErrorRate(
          lines.map((u) => u.text).join(' '),
          of(who)
            .map((f) => f.text)
            .join(' '),
        );
        const words = lines.reduce((a, u) => a + u.text.split(' ').length, 0);
        console.log(
          JSON.stringify({
            test: 'sfu-browser',
            mode,
            speaker: who,
            wer,
            bareWer: bareWer[who],
            finals: of(who).length,
            lines: lines.length,
          }),
        );
        if (who === 'alice') {
          // The WAV the browser played: within 10 % of the bare engine on it, or two words on this short script.
          expect(wer, "Alice's transcript").toBeLessThanOrEqual(
            Math.max(bareWer.alice * 1.1, bareWer.alice + 2 / words),
          );
        } else {
          // Bob's diphone voice loses a few words in the live pipeline however it arrives (the WS ingest
          // gives 0.28 on the same track; bare engine on trimmed clips 0.08). This still catches lost audio.
          expect(wer, "Bob's transcript").toBeLessThanOrEqual(bareWer.bob + 0.3);
        }
      }

      // Each page shows the live transcript with the other's lines attributed to them.
      await until(
        'transcript on the pages',
        async () => (await bob.locator('#segments .seg').count()) >= finals.length,
        5000,
      );
      const shownAtBob = await bob.locator(`#segments .seg[data-speaker="${aliceId}"]`).allTextContents();
      expect(normalizeText(shownAtBob.join(' '))).toContain(normalizeText(of('alice')[0]!.text));
      await until(
        'transcript at Alice',
        async () => (await alice.locator(`#segments .seg[data-speaker="${bobId}"]`).count()) >= of('bob').length,
        5000,
      );

      // Her camera's first frame became a key-frame event with a thumbnail in the object store.
      const keyframes = await stored<KeyframeData>(h, subjects.keyframe(room, aliceId));
      expect(keyframes[0]).toMatchObject({ reason: 'first', participant: { id: aliceId, name: 'Alice' } });
      expect((await h.system.store.stat(keyframes[0]!.thumbnail.key))?.size).toBe(keyframes[0]!.thumbnail.bytes);

      // Alice leaves: her tile goes; she rejoins and Bob receives her again.
      const inRoomMs = Date.now() - joinedAt;
      await alice.click('#leave');
      await until('tile removed', async () => (await bob.locator(`.tile[data-peer="${aliceId}"]`).count()) === 0, 5000);

      // Her tracks were recorded: Ogg Opus and WebM as long as her time in the room.
      let recordings: RecordingData[] = [];
      await until(
        'recordings',
        async () => {
          recordings = await stored<RecordingData>(h, subjects.recording(room, aliceId));
          return recordings.length === 2;
        },
        15_000,
      );
      const audio = recordings.find((r) => r.kind === 'audio')!;
      const audioFile = await probeStored(h, audio.key, dir);
      expect(audioFile.codec).toBe('opus');
      expect(Math.abs(audioFile.seconds * 1000 - inRoomMs)).toBeLessThan(2500);
      const video = recordings.find((r) => r.kind === 'video')!;
      const videoFile = await probeStored(h, video.key, dir);
      expect(videoFile.codec).toBe('vp8');
      expect(videoFile.seconds).toBeGreaterThan(inRoomMs / 1000 - 3);

      // The media API lists them with presigned URLs that serve the bytes (local store: from the gateway).
      const media = (await (await fetch(`${h.url}/v1/rooms/${room}/media`)).json()) as {
        recordings: (RecordingData & { url: string })[];
        keyframes: (KeyframeData & { thumbnailUrl: string })[];
      };
      expect(media.recordings.map((r) => r.kind).sort()).toEqual(['audio', 'video']);
      expect(media.keyframes.length).toBeGreaterThan(0);
      const listed = media.recordings.find((r) => r.kind === 'audio')!;
      const signed = new URL(listed.url);
      const download = await fetch(`${h.url}${signed.pathname}${signed.search}`);
      expect(download.status).toBe(200);
      expect((await download.arrayBuffer()).byteLength).toBe(audio.bytes);
      const forged = await fetch(`${h.url}${signed.pathname}${signed.search.replace(/sig=[^&]+/, 'sig=AAAA')}`);
      expect(forged.status).toBe(403);
      await alice.click('#join');
      await alice.waitForFunction(() => !(document.getElementById('leave') as HTMLButtonElement).disabled);
      const again = await peerIdOf(alice);
      await until(
        'Alice back at Bob',
        async () => (await bob.locator(`.tile[data-peer="${again}"]`).count()) === 1,
        10_000,
      );
      const before = await inbound(bob);
      await until(
        'media after rejoin',
        async () => (await inbound(bob)).videoPackets > before.videoPackets + 20,
        10_000,
      );
      await alice.close();
      await bob.close();
    }, 120_000);

    // Kills the worker of this process's SFU, so it runs where the SFU is in process.
    it.skipIf(mode === 'distributed')(
      'recovers when the media worker dies mid-meeting: clients rejoin and transcription goes on',
      async () => {
        const room = 'webrtc-crash';
        const { finals, stop } = await collectFinals(h, room);
        const bob = await joinRoom(bobBrowser, h.url, room, 'Bob');
        const alice = await joinRoom(aliceLoopBrowser, h.url, room, 'Alice');
        const aliceId = await peerIdOf(alice);
        await until('a first final', () => finals.some((f) => f.speaker.id === aliceId), 30_000);
        const streamBefore = finals[0]!.stream;

        const sfu = h.system.sfu!;
        const worker = sfu.pool.workers[0]!;
        process.kill(worker.pid, 'SIGKILL');
        // Both pages rejoin by themselves; Alice's new producer is a new stream, still hers.
        await until(
          'a final from the new stream',
          () => finals.some((f) => f.speaker.id === aliceId && f.stream !== streamBefore),
          45_000,
        );
        expect(sfu.pool.workers.map((w) => w.pid)).not.toContain(worker.pid);
        const before = await inbound(bob);
        await until(
          'media at Bob after the reset',
          async () => (await inbound(bob)).audioPackets > before.audioPackets + 50,
          10_000,
        );
        stop();
        expect(finals.every((f) => f.speaker.name === 'Alice')).toBe(true);
        await alice.close();
        await bob.close();
      },
      120_000,
    );

    it.skipIf(mode === 'distributed')(
      'takes a bot publishing a file over RTP (the example bot with ffmpeg) and transcribes it as the bot',
      async () => {
        const room = 'rtp-bot';
        const { finals, stop } = await collectFinals(h, room);
        const bob = await joinRoom(bobBrowser, h.url, room, 'Bob');
        const wav = join(dir, 'bot.wav');
        const lines = aliceLines().slice(0, 2);
        const clips = meeting.clips.filter((_, i) => meeting.utterances[i]!.speaker === 'alice').slice(0, 2);
        const gap = new Int16Array(16000);
        const pcm = new Int16Array([...gap, ...clips[0]!, ...gap, ...clips[1]!, ...gap]);
        await writeWavFile(wav, pcm);
        const bot = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            'examples/sfu-bot.ts',
            wav,
            '--room',
            room,
            '--name',
            'Presenter',
            '--id',
            'presenter',
            '--url',
            h.url,
          ],
          { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'ignore', 'pipe'] },
        );
        let stderr = '';
        bot.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        const exit = new Promise<number | null>((r) => bot.once('exit', (code) => r(code)));
        await until(
          'the bot at Bob',
          async () => (await bob.locator('.tile[data-peer="presenter"]').count()) === 1,
          20_000,
        );
        expect(await exit).toBe(0);
        expect(stderr).toContain('joined room rtp-bot as Presenter');
        await until('bot finals', () => finals.length >= lines.length, 10_000);
        stop();
        expect(finals.every((f) => f.speaker.id === 'presenter' && f.speaker.name === 'Presenter')).toBe(true);
        const wer = wordErrorRate(lines.map((u) => u.text).join(' '), finals.map((f) => f.text).join(' '));
        expect(wer).toBeLessThanOrEqual(0.15);
        const lifecycle = await stored<{ source: string; state: string }>(
          h,
          subjects.streamLifecycle(room, 'presenter'),
        );
        expect(lifecycle.map((l) => `${l.source}:${l.state}`)).toEqual(['rtp:started', 'rtp:ended']);
        await bob.close();

        // The meeting's recordings take the batch path: mixed into one source, transcribed, clipped.
        const submitted = await fetch(`${h.url}/v1/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ kind: 'highlights', source: { room }, highlights: 1, minClipMs: 3000 }),
        });
        expect(submitted.status).toBe(202);
        const { id } = (await submitted.json()) as { id: string };
        let job: { state: string; error?: unknown; result?: { clips: unknown[]; transcript?: { url?: string } } } = {
          state: 'queued',
        };
        await until(
          'the room clip job',
          async () => {
            job = await (await fetch(`${h.url}/v1/jobs/${id}`)).json();
            return ['succeeded', 'failed', 'cancelled'].includes(job.state);
          },
          90_000,
        );
        expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
        expect(job.result!.clips).toHaveLength(1);
        const transcript = (await (await fetch(job.result!.transcript!.url!)).json()) as {
          segments: { text: string }[];
        };
        const heard = transcript.segments.map((s) => s.text).join(' ');
        expect(wordErrorRate(lines.map((u) => u.text).join(' '), heard)).toBeLessThanOrEqual(0.3);
      },
      150_000,
    );
  },
);
