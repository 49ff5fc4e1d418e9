import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { baselineExtract } from './baseline.ts';
import { evaluate, incrementalExtract } from './evaluate.ts';
import { loadMeetings } from './load.ts';

// The development set (m01–m12). The held-out set is only scored by bench/summarizer/quality.ts.
const dir = fileURLToPath(new URL('../../fixtures/meetings', import.meta.url));
const meetings = loadMeetings(dir);
const skip = meetings.length === 0;
const why = skip ? ` (skipped: no labelled meetings in ${dir})` : '';

describe('development set', () => {
  it.skipIf(skip)(`rules engine reaches action-item F1 ≥ 0.8 and owner F1 ≥ 0.75 on the original text${why}`, () => {
    const result = evaluate(meetings, incrementalExtract(), 'original');
    expect(result.overall.actionItems.f1).toBeGreaterThanOrEqual(0.8);
    expect(result.overall.owner.f1).toBeGreaterThanOrEqual(0.75);
  });

  it.skipIf(skip)(`beats the keyword baseline on action items and decisions${why}`, () => {
    const ours = evaluate(meetings, incrementalExtract(), 'original').overall;
    const baseline = evaluate(meetings, baselineExtract, 'original').overall;
    expect(ours.actionItems.f1).toBeGreaterThan(baseline.actionItems.f1);
    expect(ours.decisions.f1).toBeGreaterThan(baseline.decisions.f1);
  });
});
