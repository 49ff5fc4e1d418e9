import { describe, expect, it } from 'vitest';
import { renderTranscript } from './formats.ts';

const segs = [
  { start: 0, end: 1500, text: 'hello there', speaker: { id: 'a', name: 'Alice' } },
  { start: 3_723_004, end: 3_725_000, text: 'goodbye' },
];

describe('transcript formats', () => {
  it('renders WebVTT with voice tags and dotted times', () => {
    expect(renderTranscript(segs, 'vtt')).toBe(
      'WEBVTT\n\n00:00:00.000 --> 00:00:01.500\n<v Alice>hello there\n\n01:02:03.004 --> 01:02:05.000\ngoodbye\n',
    );
  });
  it('renders numbered SRT cues with comma times', () => {
    expect(renderTranscript(segs, 'srt')).toBe(
      '1\n00:00:00,000 --> 00:00:01,500\nhello there\n\n2\n01:02:03,004 --> 01:02:05,000\ngoodbye\n',
    );
  });
  it('renders text one segment per line', () => {
    expect(renderTranscript(segs, 'text')).toBe('hello there\ngoodbye\n');
  });
});
