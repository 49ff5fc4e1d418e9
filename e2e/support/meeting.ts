import { meetingScript, type ScriptLine, speechBounds, synthesizeScript } from '@mi/transcriber/testing';

export type ScriptedUtterance = {
  speaker: 'alice' | 'bob';
  text: string;
  /** ms on the meeting timeline where speech starts and ends (trimmed of TTS silence). */
  start: number;
  end: number;
};

export type Meeting = {
  utterances: ScriptedUtterance[];
  /** One 16 kHz mono track per speaker, equal lengths, silence while the other talks. */
  tracks: Record<'alice' | 'bob', Int16Array>;
  /** The raw TTS audio per utterance (for the bare-engine baseline). */
  clips: Int16Array[];
  durationMs: number;
};

const RATE = 16000;

/**
 * Lays the script out as a two-speaker meeting: utterances alternate with `gapMs` of silence,
 * each speaker on their own track (as each participant's audio arrives separately).
 */
export async function buildMeeting(
  opts: { gapMs?: number; leadMs?: number; count?: number; script?: ScriptLine[] } = {},
): Promise<Meeting> {
  const gap = Math.round(((opts.gapMs ?? 900) / 1000) * RATE);
  const lead = Math.round(((opts.leadMs ?? 600) / 1000) * RATE);
  const all = opts.script ?? meetingScript;
  const script = all.slice(0, opts.count ?? all.length);
  const clips = (await synthesizeScript(script)).map((l) => l.pcm);
  const trimmed = clips.map((c) => {
    const b = speechBounds(c);
    return c.subarray(Math.max(0, b.first - 800), Math.min(c.length, b.last + 800));
  });
  const total = lead + trimmed.reduce((a, c) => a + c.length + gap, 0) + gap;
  const tracks = { alice: new Int16Array(total), bob: new Int16Array(total) };
  const utterances: ScriptedUtterance[] = [];
  let at = lead;
  script.forEach((u, i) => {
    const clip = trimmed[i]!;
    tracks[u.speaker].set(clip, at);
    const b = speechBounds(clip);
    utterances.push({
      speaker: u.speaker,
      text: u.text,
      start: ((at + b.first) / RATE) * 1000,
      end: ((at + b.last) / RATE) * 1000,
    });
    at += clip.length + gap;
  });
  return { utterances, tracks, clips: trimmed.map((c) => c.slice()), durationMs: (total / RATE) * 1000 };
}
