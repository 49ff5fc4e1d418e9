import { streams, subjects, type TranscriptFinalData } from '@mi/contracts';
import { streamToIngest } from '@mi/media-server';
import { normalizeText, wordErrorRate } from '@mi/transcriber';
import { runPocketsphinxBatch } from '@mi/transcriber/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';
import { buildMeeting, type Meeting } from './support/meeting.ts';
import { RoomClient } from './support/room-client.ts';

let meeting: Meeting;
let bareWer: number;

beforeAll(async () => {
  meeting = await buildMeeting({ count: 10 });
  const bare = await runPocketsphinxBatch(meeting.clips, { jobs: 2 });
  bareWer = wordErrorRate(meeting.utterances.map((u) => u.text).join(' '), bare.hypotheses.join(' '));
}, 120_000);

/** Streams the meeting in real time: alice 48 kHz, bob 16 kHz, and a silent carol (low noise). */
async function playMeeting(h: Harness, room: string, during?: (elapsedMs: number) => void) {
  const up48 = (pcm: Int16Array) => Int16Array.from({ length: pcm.length * 3 }, (_, i) => pcm[Math.floor(i / 3)]!);
  const noise = Int16Array.from({ length: meeting.tracks.alice.length }, () => Math.round((Math.random() - 0.5) * 60));
  const started = Date.now();
  const ticker = during ? setInterval(() => during(Date.now() - started), 100) : undefined;
  const results = await Promise.all([
    streamToIngest({
      url: h.ingestUrl,
      hello: { room, participant: { id: 'alice', name: 'Alice' }, sampleRate: 48000, encoding: 'pcm_s16le' },
      pcm: up48(meeting.tracks.alice),
      realtime: true,
    }),
    streamToIngest({
      url: h.ingestUrl,
      hello: { room, participant: { id: 'bob', name: 'Bob' }, sampleRate: 16000, encoding: 'pcm_s16le' },
      pcm: meeting.tracks.bob,
      realtime: true,
    }),
    streamToIngest({
      url: h.ingestUrl,
      hello: { room, participant: { id: 'carol', name: 'Carol' }, sampleRate: 16000, encoding: 'pcm_s16le' },
      pcm: noise,
      realtime: true,
    }),
  ]);
  clearInterval(ticker);
  for (const r of results) expect(r.closeCode).toBe(1000);
  return results;
}

/**
 * Allowed streaming WER: within 10 % of the bare engine, or 3 words over it on this ~90-word script
 * (one word is ~1 %, so 10 % relative is below one word here). bench/live-asr checks the 10 % target
 * on more audio; VAD cutting words off or a lost utterance breaks this bound by far.
 */
function werBound(): number {
  const words = meeting.utterances.reduce((a, u) => a + u.text.split(' ').length, 0);
  return Math.max(bareWer * 1.1, bareWer + 3 / words);
}

/** Every scripted utterance is covered by a final of its speaker: nothing was lost. */
function expectEveryUtteranceTranscribed(finals: TranscriptFinalData[]) {
  for (const u of meeting.utterances) {
    const covered = finals.some((f) => f.speaker.id === u.speaker && f.start < u.end && f.end > u.start);
    expect(covered, `no final for ${u.speaker}: "${u.text}" at ${Math.round(u.start)}-${Math.round(u.end)} ms`).toBe(
      true,
    );
  }
}

function transcriptWer(finals: TranscriptFinalData[], speaker?: string) {
  const ordered = [...finals].sort((a, b) => a.start - b.start).filter((f) => !speaker || f.speaker.id === speaker);
  const ref = meeting.utterances.filter((u) => !speaker || u.speaker === speaker).map((u) => u.text);
  return wordErrorRate(ref.join(' '), ordered.map((f) => f.text).join(' '));
}

describe.each(['embedded', 'distributed'] as const)('live transcription (%s)', (mode) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(mode, { TRANSCRIBER_CLAIM_ACK_WAIT_MS: '2000' });
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('turns two speakers streamed in real time into attributed partials and finals', async () => {
    const room = `meet-${mode}`;
    const client = new RoomClient(h.url, room);
    await client.opened;
    await playMeeting(h, room);
    await client.waitFor(() => client.finals().length >= meeting.utterances.length - 1, 20_000);
    await new Promise((r) => setTimeout(r, 1500)); // stragglers
    const finals = client.finals().map((f) => f.event.data);

    const wer = transcriptWer(finals);
    console.log(JSON.stringify({ mode, wer, bareWer, finals: finals.length, utterances: meeting.utterances.length }));
    if (process.env.E2E_VERBOSE)
      console.log(
        [...finals]
          .sort((a, b) => a.start - b.start)
          .map((f) => `${f.speaker.id}: ${f.text}`)
          .join('\n'),
      );
    expect(wer).toBeLessThanOrEqual(werBound());
    for (const speaker of ['alice', 'bob']) expect(transcriptWer(finals, speaker)).toBeLessThan(0.35);
    expectEveryUtteranceTranscribed(finals);

    // Attribution: each final overlaps a scripted utterance of the same speaker, and never another's.
    for (const f of finals) {
      const mine = meeting.utterances.find((u) => u.speaker === f.speaker.id && f.start < u.end && f.end > u.start);
      expect(mine, `final "${f.text}" by ${f.speaker.id} at ${f.start}-${f.end}`).toBeDefined();
      expect(f.speaker.name).toBe(f.speaker.id === 'alice' ? 'Alice' : 'Bob');
    }
    // Silence and low noise produce no text at all.
    expect(client.events.filter((e) => (e.event.data as { speaker?: { id: string } }).speaker?.id === 'carol')).toEqual(
      [],
    );
    // Partials come before the final of the same segment, and their stable text only grows.
    for (const f of client.finals()) {
      const ps = client.partials().filter((p) => p.event.data.segmentId === f.event.data.segmentId);
      if (f.event.data.end - f.event.data.start > 1200) expect(ps.length).toBeGreaterThan(0);
      for (const p of ps) expect(p.seq).toBeLessThan(f.seq);
      for (let i = 1; i < ps.length; i++) {
        expect(ps[i]!.event.data.stable.startsWith(ps[i - 1]!.event.data.stable)).toBe(true);
      }
    }
    // The REST transcript agrees with the stream.
    const rest = (await (await fetch(`${h.url}/v1/rooms/${room}/transcript`)).json()) as { segments: unknown[] };
    expect(rest.segments.length).toBe(finals.length);
    const vtt = await (await fetch(`${h.url}/v1/rooms/${room}/transcript?format=vtt`)).text();
    expect(vtt.startsWith('WEBVTT')).toBe(true);
    expect(normalizeText(vtt)).toContain(normalizeText(finals[0]!.text));
    // Operations: per-stage latency and real-time factor are exported where the transcriber runs.
    if (mode === 'embedded') {
      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      const count = metrics.match(/mi_stage_latency_seconds_count\{stage="end_of_utterance_to_final"\} (\d+)/);
      expect(Number(count?.[1])).toBe(finals.length);
      expect(metrics).toMatch(/mi_asr_real_time_factor_count\{engine="pocketsphinx"\} [1-9]/);
      expect(metrics).toMatch(/mi_batch_size_count\{model="silero_vad"\} [1-9]/);
      // Every ended stream was released by the worker.
      expect(metrics).toMatch(/mi_queue_depth\{queue="transcriber_active_streams"\} 0/);
    }
    client.close();
  }, 120_000);

  it.runIf(mode === 'distributed')(
    'loses no final and duplicates none when the transcriber is killed mid-stream',
    async () => {
      const room = 'meet-crash';
      const client = new RoomClient(h.url, room);
      await client.opened;
      let killed = false;
      let restarted: Promise<void> | undefined;
      await playMeeting(h, room, (elapsed) => {
        if (!killed && elapsed > meeting.durationMs * 0.45) {
          killed = true;
          h.killTranscriber!();
          restarted = new Promise((r) => setTimeout(r, 500)).then(() => h.startTranscriber!());
        }
      });
      await restarted;
      await client.waitFor(() => client.finals().length >= meeting.utterances.length - 1, 30_000);
      await new Promise((r) => setTimeout(r, 1500));
      const finals = client.finals().map((f) => f.event.data);
      const ids = client.finals().map((f) => f.event.id);
      expect(new Set(ids).size).toBe(ids.length);
      expectEveryUtteranceTranscribed(finals);
      // The restarted worker took over all three streams from their checkpoints.
      const resumed = h.transcriberLogs!().filter((l) => l.msg === 'transcribing stream' && l.redelivered === true);
      expect(resumed.length).toBe(3);
      expect(resumed.every((l) => (l.from as { kind: string }).kind === 'seq')).toBe(true);
      const wer = transcriptWer(finals);
      console.log(JSON.stringify({ mode: 'crash', wer, bareWer, finals: finals.length }));
      expect(wer).toBeLessThanOrEqual(werBound());
      // The stored event log itself holds each final once (JetStream msgId de-duplication).
      const stored: string[] = [];
      const sub = await h.system.bus.replay(
        streams.EVENTS.name,
        { filterSubject: subjects.transcriptFinal(room), from: { kind: 'all' }, live: false },
        (m) => {
          stored.push((JSON.parse(Buffer.from(m.data).toString()) as { id: string }).id);
        },
      );
      await new Promise((r) => setTimeout(r, 300));
      await sub.unsubscribe();
      expect(stored.length).toBe(finals.length);
      expect(new Set(stored).size).toBe(stored.length);
      client.close();
    },
    150_000,
  );
});
