// Test data: the clipper's generated webinar (clipper/src/testing/webinar.ts, which depends on
// this package, hence the copy) as an ASR would return it, laid out on the same slide timeline.
import type { SceneChange, TranscriptSegment } from '@mi/contracts';
import type { EnergyCurve, HighlightInput } from './types.ts';

export const webinarScript: { title: string; start: number; end: number; lines: string[] }[] = [
  {
    title: 'Welcome',
    start: 0,
    end: 8880,
    lines: ['good morning everyone and welcome to the launch webinar', 'today we will look at the new product plan'],
  },
  {
    title: 'Product Plan',
    start: 8880,
    end: 22560,
    lines: [
      'the new product helps teams share notes after every meeting',
      'we decided to launch the product in march',
      'the team will test the product with ten customers first',
    ],
  },
  {
    title: 'Sales Numbers',
    start: 22560,
    end: 34040,
    lines: [
      'the sales numbers were better than last year',
      'sales grew in every region this year',
      'that is great news for the whole company',
    ],
  },
  {
    title: 'Next Steps',
    start: 34040,
    end: 46040,
    lines: [
      'i will send the report to the team by friday',
      'bob will call the customer on monday',
      'please share your questions with us after the webinar',
    ],
  },
  {
    title: 'Thank You',
    start: 46040,
    end: 54040,
    lines: ['thanks everyone for joining the webinar today', 'see you at the launch in march'],
  },
];

export const WEBINAR_MS = 54_040;
const LEAD_MS = 400;
const GAP_MS = 700;
const TAIL_MS = 900;

/** A line as an ASR segment: the time split over its words by length, short gaps between words. */
export function segmentOf(text: string, start: number, end: number): TranscriptSegment {
  const tokens = text.split(' ');
  const chars = tokens.reduce((n, t) => n + t.length + 1, 0);
  let t = start;
  const words = tokens.map((word) => {
    const ms = ((word.length + 1) / chars) * (end - start);
    const w = { word, start: Math.round(t), end: Math.round(t + ms * 0.85), confidence: 0.9 };
    t += ms;
    return w;
  });
  return { start, end, text, words, confidence: 0.9 };
}

/** The script as segments (speech fills each slide between a lead-in, pauses and a tail), shifted by `offset`. */
export function webinarSegments(offset = 0): TranscriptSegment[] {
  const out: TranscriptSegment[] = [];
  for (const slide of webinarScript) {
    const speech = slide.end - slide.start - LEAD_MS - TAIL_MS - GAP_MS * slide.lines.length;
    const chars = slide.lines.reduce((n, l) => n + l.length, 0);
    let t = slide.start + LEAD_MS;
    for (const line of slide.lines) {
      const ms = Math.round((line.length / chars) * speech);
      out.push(segmentOf(line, offset + t, offset + t + ms));
      t += ms + GAP_MS;
    }
  }
  return out;
}

/** Slide changes as the key-frame step reports them, OCR text included. */
export function webinarScenes(offset = 0): SceneChange[] {
  return webinarScript.map((s, i) => ({
    at: offset + s.start,
    score: i === 0 ? 1 : 0.4,
    reason: i === 0 && offset === 0 ? 'first' : 'scene',
    text: `${s.title}\n`,
  }));
}

/** 50 ms windows: quiet room between lines, speech at -24 dBFS, the "Sales Numbers" slide 5 dB louder. */
export function energyFor(
  segments: readonly TranscriptSegment[],
  durationMs: number,
  loud?: (t: number) => boolean,
): EnergyCurve {
  const windowMs = 50;
  const db = Array.from({ length: Math.ceil(durationMs / windowMs) }, () => -70);
  for (const s of segments) {
    for (let k = Math.floor(s.start / windowMs); k < Math.ceil(s.end / windowMs) && k < db.length; k++) {
      db[k] = loud?.(k * windowMs) ? -19 : -24;
    }
  }
  return { windowMs, db };
}

export function webinarInput(): HighlightInput {
  const segments = webinarSegments();
  return {
    source: 'tenant/uploads/webinar.mp4',
    durationMs: WEBINAR_MS,
    segments,
    scenes: webinarScenes(),
    energy: energyFor(segments, WEBINAR_MS, (t) => t >= 22_560 && t < 34_040),
    meetingDate: '2024-01-10',
  };
}

/** About an hour: the webinar said over and over, each time a minute later. */
export function longInput(repeats = 67): HighlightInput {
  const segments: TranscriptSegment[] = [];
  const scenes: SceneChange[] = [];
  for (let r = 0; r < repeats; r++) {
    segments.push(...webinarSegments(r * WEBINAR_MS));
    scenes.push(...webinarScenes(r * WEBINAR_MS));
  }
  const durationMs = repeats * WEBINAR_MS;
  return {
    source: 'tenant/uploads/long.mp4',
    durationMs,
    segments,
    scenes,
    energy: energyFor(segments, durationMs),
  };
}
