import type { EdlEntry, SceneChange, TranscriptSegment } from '@mi/contracts';
import { describe, expect, it } from 'vitest';
import { LINE_CHARS } from './captions.ts';
import { findHighlights } from './find.ts';
import { longInput, segmentOf, WEBINAR_MS, webinarInput, webinarScript } from './webinar-transcript.ts';

const segmentWith = (segments: readonly TranscriptSegment[], text: string) => {
  const s = segments.find((x) => x.text === text);
  if (!s) throw new Error(`no segment "${text}"`);
  return s;
};

const covering = (edl: readonly EdlEntry[], seg: TranscriptSegment) =>
  edl.find((e) => e.start <= seg.start && seg.end <= e.end);

function expectWellFormed(edl: readonly EdlEntry[], min: number, max: number, durationMs: number) {
  for (const [i, e] of edl.entries()) {
    expect(e.end - e.start).toBeGreaterThanOrEqual(min);
    expect(e.end - e.start).toBeLessThanOrEqual(max);
    expect(e.start).toBeGreaterThanOrEqual(0);
    expect(e.end).toBeLessThanOrEqual(durationMs);
    expect(e.score).toBeGreaterThanOrEqual(0);
    expect(e.score).toBeLessThanOrEqual(1);
    expect(e.title.length).toBeGreaterThan(0);
    expect(e.title.length).toBeLessThanOrEqual(80);
    const next = edl[i + 1];
    if (next) expect(next.start).toBeGreaterThanOrEqual(e.end);
  }
}

describe('findHighlights on the webinar', () => {
  const input = webinarInput();
  const edl = findHighlights(input);

  it('picks the decision and both action items, in clips that respect the limits and do not overlap', () => {
    expect(edl.length).toBeGreaterThanOrEqual(2);
    expectWellFormed(edl, 15_000, 60_000, WEBINAR_MS);
    const decision = covering(edl, segmentWith(input.segments, 'we decided to launch the product in march'));
    const report = covering(edl, segmentWith(input.segments, 'i will send the report to the team by friday'));
    const call = covering(edl, segmentWith(input.segments, 'bob will call the customer on monday'));
    expect(decision?.reasons).toContain('decision: launch the product in march');
    expect(report?.reasons).toContain('action item: send the report to the team');
    expect(call?.reasons).toContain('action item: call the customer');
    for (const e of edl) expect(e.source).toBe('tenant/uploads/webinar.mp4');
  });

  it('starts clips on the slide change before their first words and titles them with the slide', () => {
    const slides = webinarScript.slice(1);
    const onSlide = edl.filter((e) => slides.some((s) => s.start === e.start));
    expect(onSlide.map((e) => e.title)).toEqual(['Product Plan', 'Next Steps']);
    for (const e of onSlide) {
      expect(e.title).toBe(slides.find((s) => s.start === e.start)?.title);
      expect(e.reasons).toContain(`slide: ${e.title}`);
    }
  });

  it('gives captions relative to the clip, within it, in lines of at most 42 characters', () => {
    for (const e of edl) {
      expect(e.captions.length).toBeGreaterThan(0);
      let prevEnd = 0;
      for (const c of e.captions) {
        expect(c.start).toBeGreaterThanOrEqual(prevEnd);
        expect(c.end).toBeGreaterThan(c.start);
        expect(c.end).toBeLessThanOrEqual(e.end - e.start);
        const lines = c.text.split('\n');
        expect(lines.length).toBeLessThanOrEqual(2);
        for (const l of lines) expect(l.length).toBeLessThanOrEqual(LINE_CHARS);
        prevEnd = c.end;
      }
    }
    const plan = edl.find((e) => e.title === 'Product Plan');
    const spoken = plan?.captions
      .map((c) => c.text.replace(/\n/g, ' '))
      .join(' ')
      .toLowerCase();
    expect(spoken).toContain('we decided to launch the product in march');
  });

  it('is deterministic', () => {
    expect(findHighlights(webinarInput())).toEqual(edl);
  });

  it('without slides or energy still finds the moments and titles them by what was decided', () => {
    const bare = findHighlights({ source: 'x.mp4', durationMs: WEBINAR_MS, segments: input.segments });
    expectWellFormed(bare, 15_000, 60_000, WEBINAR_MS);
    const decision = covering(bare, segmentWith(input.segments, 'we decided to launch the product in march'));
    expect(decision?.title).toBe('Launch the product in march');
    expect(bare.some((e) => e.reasons?.includes('action item: send the report to the team'))).toBe(true);
  });

  it('honours count and shorter limits', () => {
    const short = findHighlights(input, { count: 3, minClipMs: 5000, maxClipMs: 10_000 });
    expect(short).toHaveLength(3);
    expectWellFormed(short, 5000, 10_000, WEBINAR_MS);
    expect(short.flatMap((e) => e.reasons)).toEqual(
      expect.arrayContaining(['decision: launch the product in march', 'action item: send the report to the team']),
    );
    expect(findHighlights(input, { count: 1 })).toHaveLength(1);
  });

  it('prefers louder delivery when nothing else tells moments apart', () => {
    const segments = ['chart', 'table', 'number'].map((last, i) =>
      segmentOf(`the new dashboard shows every ${last}`, 1000 + i * 10_000, 9000 + i * 10_000),
    );
    // Speech at -26 dBFS, the last sentence 8 dB louder; pauses at -70.
    const db = Array.from({ length: 300 }, (_, k) => (k % 100 < 10 || k % 100 >= 90 ? -70 : k >= 200 ? -18 : -26));
    const [pick] = findHighlights(
      { source: 'x.mp4', durationMs: 30_000, segments, energy: { windowMs: 100, db } },
      { count: 1, minClipMs: 5000, maxClipMs: 10_000 },
    );
    expect(pick?.start).toBeGreaterThan(20_000);
    expect(pick?.reasons).toContain('lively: +8.0 dB above usual');
  });

  it('snaps only to a slide change at most 1.5 s before the first words', () => {
    const segments = [segmentOf('the new dashboard shows every chart and every number', 2600, 9000)];
    const scene: SceneChange = { at: 1000, score: 0.5, reason: 'scene', text: 'Dashboard' };
    const late = findHighlights(
      { source: 'x.mp4', durationMs: 12_000, segments, scenes: [scene] },
      { minClipMs: 3000 },
    );
    expect(late.map((e) => e.start)).toEqual([2450]);
    const near = findHighlights(
      { source: 'x.mp4', durationMs: 12_000, segments, scenes: [{ ...scene, at: 1200 }] },
      { minClipMs: 3000 },
    );
    expect(near.map((e) => [e.start, e.title])).toEqual([[1200, 'Dashboard']]);
  });

  it('still clips a talk whose single segment outlasts the longest clip', () => {
    const text = Array.from({ length: 12 }, () => 'we decided to launch the product in march').join(' ');
    const one = findHighlights({ source: 'x.mp4', durationMs: 90_000, segments: [segmentOf(text, 0, 90_000)] });
    expect(one.length).toBeGreaterThan(0);
    expectWellFormed(one, 15_000, 60_000, 90_000);
  });
});

describe('findHighlights on an hour of talk', () => {
  it('finds five distinct, well-formed highlights quickly', () => {
    const input = longInput();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const edl = findHighlights(input);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `findHighlights: ${input.segments.length} segments, ${Math.round(input.durationMs / 60_000)} min: ` +
        `${Math.round(ms)} ms wall, ${Math.round((cpu.user + cpu.system) / 1000)} ms CPU (cold)`,
    );
    expect(ms).toBeLessThan(5000);
    expect(edl).toHaveLength(5);
    expectWellFormed(edl, 15_000, 60_000, input.durationMs);
    const reasons = edl.flatMap((e) => e.reasons ?? []);
    expect(reasons).toEqual(
      expect.arrayContaining(['decision: launch the product in march', 'action item: call the customer']),
    );
    // A looped talk says the same things over and over: the picks are different passages of it.
    const opening = edl.map((e) => e.captions[0]?.text.split('\n')[0]);
    expect(new Set(opening).size).toBeGreaterThanOrEqual(3);
  });
});
