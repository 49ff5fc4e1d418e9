import { describe, expect, it } from 'vitest';
import { asrNormalise } from './asr.ts';
import { numberToWords } from './numbers.ts';

describe('asrNormalise', () => {
  it('lowercases and strips punctuation but keeps contractions', () => {
    expect(asrNormalise("Okay, Bob — can you send the deck? I'll check.")).toBe(
      "okay bob can you send the deck i'll check",
    );
  });

  it('spells money, percentages, times, ordinals and plain numbers', () => {
    expect(asrNormalise('It costs $12,000 a year.')).toBe('it costs twelve thousand dollars a year');
    expect(asrNormalise('About $3,200, or 15% off.')).toBe(
      'about three thousand two hundred dollars or fifteen percent off',
    );
    expect(asrNormalise('Pushed at 2:02 and rolled back at 2:49.')).toBe(
      'pushed at two oh two and rolled back at two forty nine',
    );
    expect(asrNormalise('By March 20th, in Q1 of 2026.')).toBe('by march twentieth in q one of twenty twenty six');
    expect(asrNormalise('We have 47 tickets and a $50k budget.')).toBe(
      'we have forty seven tickets and a fifty thousand dollars budget',
    );
  });

  it('reads emails and hyphens as spoken', () => {
    expect(asrNormalise('Send it to m.jones@globex.com, co-host.')).toBe(
      'send it to m dot jones at globex dot com co host',
    );
  });

  it('numberToWords covers scales', () => {
    expect(numberToWords(0)).toBe('zero');
    expect(numberToWords(1_200_305)).toBe('one million two hundred thousand three hundred five');
  });
});
