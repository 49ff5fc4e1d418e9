import { describe, expect, it } from 'vitest';
import { listErrors } from './errors.ts';
import type { LabelledMeeting } from './load.ts';

const meeting: LabelledMeeting = {
  id: 'mx',
  title: 't',
  meetingDate: '2026-03-10',
  participants: [{ id: 'ann', name: 'Ann' }],
  segments: [],
  expected: {
    actionItems: [
      { owner: 'ann', task: 'renew the parking permits', due: '2026-03-13', sourceSegments: ['s2'] },
      { owner: null, task: 'order new chairs', due: null, sourceSegments: ['s5'] },
    ],
    decisions: [{ text: 'move the offsite to April', sourceSegments: ['s7'] }],
  },
};

const item = (task: string, owner: string | null, due: string | null, src: string) => ({
  id: `ai-${src}-0`,
  owner,
  task,
  due,
  dueText: null,
  confidence: 0.9,
  sourceSegments: [src],
});

describe('listErrors', () => {
  it('names wrong owners and dates, spurious and missed items and decisions', () => {
    const errors = listErrors(meeting, {
      actionItems: [item('renew the parking permits', null, null, 's2'), item('water the plants', 'ann', null, 's3')],
      decisions: [{ id: 'dec-s9', text: 'keep the old logo', confidence: 0.8, sourceSegments: ['s9'] }],
    });
    expect(errors.map((e) => [e.kind, e.segments.join()])).toEqual([
      ['owner', 's2'],
      ['due', 's2'],
      ['fp', 's3'],
      ['fn', 's5'],
      ['decision-fp', 's9'],
      ['decision-fn', 's7'],
    ]);
  });
});
