import { describe, expect, it } from 'vitest';
import { isValidPattern, isValidSubject, subjectMatches, subjectsOverlap } from './subject-match.ts';

describe('subjectMatches', () => {
  it.each([
    ['a.b.c', 'a.b.c', true],
    ['a.b.c', 'a.b', false],
    ['a.b', 'a.b.c', false],
    ['a.*.c', 'a.b.c', true],
    ['a.*.c', 'a.b.d', false],
    ['a.*', 'a.b.c', false],
    ['a.>', 'a.b.c', true],
    ['a.>', 'a.b', true],
    ['a.>', 'a', false],
    ['>', 'a', true],
    ['*', 'a', true],
    ['*', 'a.b', false],
    ['v1.media.*.*.audio', 'v1.media.r1.p1.audio', true],
    ['v1.media.*.*.audio', 'v1.media.r1.p1.stream', false],
    ['*.*.>', 'a.b', false],
    ['*.*.>', 'a.b.c', true],
  ])('%s ~ %s = %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});

describe('subjectsOverlap', () => {
  it.each([
    ['a.b', 'a.b', true],
    ['a.b', 'a.c', false],
    ['a.*', 'a.b', true],
    ['a.*', 'a.b.c', false],
    ['a.>', 'a.b.c', true],
    ['a.>', 'b.>', false],
    ['v1.media.*.*.audio', 'v1.media.*.*.stream', false],
    ['v1.transcript.>', 'v1.*.r1.final', true],
    ['a', 'a.>', false],
  ])('%s / %s = %s', (a, b, expected) => {
    expect(subjectsOverlap(a, b)).toBe(expected);
    expect(subjectsOverlap(b, a)).toBe(expected);
  });
});

describe('validation', () => {
  it('accepts and rejects subjects', () => {
    expect(isValidSubject('v1.media.r1.p1.audio')).toBe(true);
    expect(isValidSubject('a..b')).toBe(false);
    expect(isValidSubject('a.*')).toBe(false);
    expect(isValidSubject('a b')).toBe(false);
    expect(isValidSubject('')).toBe(false);
  });
  it('accepts and rejects patterns', () => {
    expect(isValidPattern('a.*.>')).toBe(true);
    expect(isValidPattern('a.>.b')).toBe(false);
    expect(isValidPattern('a.')).toBe(false);
  });
});
