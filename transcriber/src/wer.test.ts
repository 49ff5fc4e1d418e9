import { describe, expect, it } from 'vitest';
import { corpusWordErrorRate, normalizeText, wordErrorRate, wordErrors } from './wer.ts';

describe('normalizeText', () => {
  it('lower-cases, strips punctuation and collapses whitespace', () => {
    expect(normalizeText('  Hello, World!  How are   you?')).toBe('hello world how are you');
    expect(normalizeText('We\u2019ll review the budget -- on Friday.')).toBe("we'll review the budget on friday");
    expect(normalizeText("'quoted' don't")).toBe("quoted don't");
    expect(normalizeText('...')).toBe('');
  });
});

describe('wordErrorRate', () => {
  it('is 0 for identical text after normalisation', () => {
    expect(wordErrorRate('We should review the budget.', 'we should review the budget')).toBe(0);
  });

  it('counts substitutions, deletions and insertions', () => {
    expect(wordErrors('a b c d', 'a x c d')).toEqual({
      substitutions: 1,
      deletions: 0,
      insertions: 0,
      referenceWords: 4,
    });
    expect(wordErrors('a b c d', 'a c d')).toEqual({
      substitutions: 0,
      deletions: 1,
      insertions: 0,
      referenceWords: 4,
    });
    expect(wordErrors('a b c d', 'a b y c d')).toEqual({
      substitutions: 0,
      deletions: 0,
      insertions: 1,
      referenceWords: 4,
    });
    expect(wordErrorRate('a b c d', 'a x c d')).toBe(0.25);
    expect(wordErrorRate('the cat sat', 'the cat sat on the mat')).toBe(1);
  });

  it('uses a minimum alignment, not a position-by-position comparison', () => {
    // One deletion at the front shifts every word; a naive comparison would count 5 errors.
    expect(wordErrorRate('so we should review the budget', 'we should review the budget')).toBeCloseTo(1 / 6);
    expect(wordErrorRate('good morning everyone', 'could morning every one')).toBeCloseTo(3 / 3);
  });

  it('handles empty sides', () => {
    expect(wordErrorRate('', '')).toBe(0);
    expect(wordErrorRate('', 'noise')).toBe(1);
    expect(wordErrorRate('two words', '')).toBe(1);
  });

  it('pools errors over a corpus', () => {
    const wer = corpusWordErrorRate([
      { reference: 'a b c d', hypothesis: 'a b c d' },
      { reference: 'e f', hypothesis: 'e' },
    ]);
    expect(wer).toBeCloseTo(1 / 6);
  });
});
