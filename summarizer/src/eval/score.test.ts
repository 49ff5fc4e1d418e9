import { describe, expect, it } from 'vitest';
import type { ExpectedActionItem } from './load.ts';
import { countActionItems, countDecisions, figures, matchPairs, prf, sumCounts } from './score.ts';
import { contentSet, overlapCoefficient, stem } from './words.ts';

const predicted = (
  task: string,
  sourceSegments: string[],
  owner: string | null = 'bob',
  due: string | null = null,
) => ({
  task,
  sourceSegments,
  owner,
  due,
});
const expected = (
  task: string,
  sourceSegments: string[],
  owner: string | null = 'bob',
  due: string | null = null,
): ExpectedActionItem => ({
  task,
  sourceSegments,
  owner,
  due,
});

describe('content words', () => {
  it('drops stopwords, stems, and spells numbers like ASR', () => {
    expect(stem('calling')).toBe(stem('call'));
    expect(stem('updated')).toBe(stem('updates'));
    expect(stem('policies')).toBe('policy');
    expect([...contentSet('Send the $12,000 PO to the team')]).toEqual([
      ...contentSet('send twelve thousand dollars PO to team'),
    ]);
    expect(contentSet('the and of it')).toEqual(new Set());
  });

  it('overlap coefficient is shared over the smaller set', () => {
    expect(overlapCoefficient(new Set(['a', 'b']), new Set(['a', 'b', 'c', 'd']))).toBe(1);
    expect(overlapCoefficient(new Set(['a', 'x']), new Set(['a', 'b', 'c']))).toBe(0.5);
    expect(overlapCoefficient(new Set(), new Set(['a']))).toBe(0);
  });
});

describe('matching', () => {
  it('needs a shared source segment', () => {
    expect(
      matchPairs(
        [{ text: 'update the roadmap', sourceSegments: ['s1'] }],
        [{ text: 'update the roadmap', sourceSegments: ['s2'] }],
      ),
    ).toEqual([]);
  });

  it('needs enough word overlap', () => {
    const p = [{ text: 'book the venue for the offsite', sourceSegments: ['s1'] }];
    expect(matchPairs(p, [{ text: 'reserve a hotel', sourceSegments: ['s1'] }])).toEqual([]);
    expect(matchPairs(p, [{ text: 'book an offsite venue', sourceSegments: ['s1', 's2'] }])).toEqual([[0, 0]]);
  });

  it('pairs one-to-one, best overlap first', () => {
    const pairs = matchPairs(
      [
        { text: 'send the deck', sourceSegments: ['s1'] },
        { text: 'send the deck to the client today', sourceSegments: ['s1'] },
      ],
      [{ text: 'send the client deck', sourceSegments: ['s1'] }],
    );
    // Both overlap fully; the tie goes to the first prediction, and only one pair is made.
    expect(pairs).toEqual([[0, 0]]);
  });

  it('an unmatched prediction is a false positive and an unmatched label a false negative', () => {
    const c = countActionItems(
      [predicted('fix the login bug', ['s1']), predicted('order pizza', ['s9'])],
      [expected('fix login bug', ['s1']), expected('write the release notes', ['s4'])],
    );
    expect(c.items).toEqual({ tp: 1, fp: 1, fn: 1 });
  });
});

describe('owner and due', () => {
  it('owner counts only on matched pairs with the same owner; due accuracy is over matched pairs', () => {
    const c = countActionItems(
      [
        predicted('fix the login bug', ['s1'], 'bob', '2026-03-13'),
        predicted('update the roadmap', ['s3'], null, null),
      ],
      [expected('fix login bug', ['s1'], 'carol', '2026-03-13'), expected('update roadmap', ['s2', 's3'], null, null)],
    );
    expect(c).toEqual({ items: { tp: 2, fp: 0, fn: 0 }, ownerTp: 1, dueCorrect: 2 });
    const f = figures({ actionItems: c, decisions: { tp: 0, fp: 0, fn: 0 } });
    expect(f.actionItems.f1).toBe(1);
    expect(f.owner).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(f.dueAccuracy).toBe(1);
  });
});

describe('precision, recall, F1', () => {
  it('computes the usual figures', () => {
    expect(prf({ tp: 3, fp: 1, fn: 2 })).toEqual({ precision: 0.75, recall: 0.6, f1: 0.667 });
    expect(prf({ tp: 0, fp: 2, fn: 2 })).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(prf({ tp: 0, fp: 0, fn: 0 })).toEqual({ precision: 1, recall: 1, f1: 1 });
  });

  it('micro-averages by summing counts over meetings', () => {
    const a = {
      actionItems: { items: { tp: 1, fp: 0, fn: 0 }, ownerTp: 1, dueCorrect: 1 },
      decisions: countDecisions([], [{ text: 'x y', sourceSegments: ['s1'] }]),
    };
    const b = {
      actionItems: { items: { tp: 0, fp: 3, fn: 1 }, ownerTp: 0, dueCorrect: 0 },
      decisions: { tp: 1, fp: 0, fn: 0 },
    };
    const total = sumCounts([a, b]);
    expect(total.actionItems.items).toEqual({ tp: 1, fp: 3, fn: 1 });
    expect(total.decisions).toEqual({ tp: 1, fp: 0, fn: 1 });
    expect(figures(total).actionItems).toEqual({ precision: 0.25, recall: 0.5, f1: 0.333 });
  });
});
