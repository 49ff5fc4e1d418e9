import { describe, expect, it } from 'vitest';
import { dueIn } from './dates.ts';

// Meeting on Tuesday 2026-03-10.
const MEETING = '2026-03-10';

describe('due dates against the meeting date', () => {
  it.each([
    ['I will do it today', '2026-03-10'],
    ['by end of day', '2026-03-10'],
    ['before EOD', '2026-03-10'],
    ['this afternoon', '2026-03-10'],
    ['tomorrow morning', '2026-03-11'],
    ['by Friday', '2026-03-13'],
    ['on Tuesday', '2026-03-17'],
    ['by Monday', '2026-03-16'],
    ['next week', '2026-03-16'],
    ['next Tuesday', '2026-03-17'],
    ['next Friday', '2026-03-20'],
    ['this Friday', '2026-03-13'],
    ['by the end of the week', '2026-03-13'],
    ['end of the month', '2026-03-31'],
    ['by the end of next month', '2026-04-30'],
    ['in two weeks', '2026-03-24'],
    ['in 3 days', '2026-03-13'],
    ['a week from today', '2026-03-17'],
    ['by March 20th', '2026-03-20'],
    ['on January 5th', '2026-01-05'],
    ['by june fifth', '2026-06-05'],
    ['by january twenty third at the latest', '2026-01-23'],
    ['the 2nd of April', '2026-04-02'],
    ['due 3/20', '2026-03-20'],
    ['monday or tuesday works', '2026-03-16'],
  ])('%s → %s', (phrase, due) => {
    expect(dueIn(phrase, MEETING)?.due).toBe(due);
  });

  it('prefers a deadline over a passing mention', () => {
    expect(dueIn("based on today's feedback, hopefully by next Wednesday", '2026-05-07')).toEqual({
      due: '2026-05-13',
      text: 'by next Wednesday',
    });
  });

  it.each(['last Friday', 'at two', 'in the fall', 'next quarter', 'may I ask', 'a second reviewer'])(
    '%s has no due date',
    (phrase) => {
      expect(dueIn(phrase, MEETING)).toBeNull();
    },
  );

  it('handles end of week on a weekend meeting and month ends in February', () => {
    expect(dueIn('end of the week', '2026-03-14')?.due).toBe('2026-03-20');
    expect(dueIn('end of the month', '2028-02-10')?.due).toBe('2028-02-29');
  });
});
