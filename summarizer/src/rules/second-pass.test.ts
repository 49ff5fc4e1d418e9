import { describe, expect, it } from 'vitest';
import { asrNormalise, type MeetingContext, MeetingExtractor } from './index.ts';

// Second generalisation pass, grouped by linguistic cause. Every sentence here is invented for the
// test; each runs on punctuated text and on asrNormalise()d text (lowercase, no punctuation).

const ctx: MeetingContext = {
  meetingDate: '2026-03-10', // a Tuesday
  participants: [
    { id: 'alice', name: 'Alice Chen' },
    { id: 'bob', name: 'Bob Martin' },
    { id: 'carol', name: 'Carol Diaz' },
  ],
};

type Line = [speaker: string, text: string];
const MODES = [
  ['text', false],
  ['asr', true],
] as const;

const items = (lines: Line[], asr: boolean) => {
  const x = new MeetingExtractor(ctx);
  lines.forEach(([speaker, text], i) => {
    x.add({ id: `s${i + 1}`, speaker, text: asr ? asrNormalise(text) : text });
  });
  return x.actionItems().map((a) => ({ owner: a.owner, task: a.task.toLowerCase(), sources: a.sourceSegments }));
};

describe.each(MODES)('requests embedded in "can I ask you to" (%s)', (_mode, asr) => {
  it('addresses the person named, and the acceptance joins it', () => {
    const got = items(
      [
        ['alice', 'Carol, can I ask you to book the minibus for the away game?'],
        ['carol', 'Yes, no problem.'],
      ],
      asr,
    );
    expect(got).toEqual([{ owner: 'carol', task: 'book the minibus for the away game', sources: ['s1', 's2'] }]);
  });

  it('keeps a clause reported to someone inside the request', () => {
    const got = items([['alice', 'Bob, could I ask you to tell them we will revisit the fee in autumn?']], asr);
    expect(got).toHaveLength(1);
    expect(got[0]?.owner).toBe('bob');
    expect(got[0]?.task).toContain('revisit the fee');
  });
});

describe.each(MODES)('a condition opened by a conjunction governs the next clause (%s)', (_mode, asr) => {
  it('keeps the unconditional first commitment and drops the conditional second one', () => {
    const got = items(
      [['bob', "I'll check the boiler pressure first, and if it's still low, I'll call the engineer."]],
      asr,
    );
    expect(got.map((g) => g.task)).toEqual(['check the boiler pressure first']);
  });
});

describe.each(MODES)('visiting someone is work, talking about knowing is not (%s)', (_mode, asr) => {
  it('"I\'ll see her" is a visit', () => {
    const got = items([['carol', "I'll see her straight after lunch on the ward."]], asr);
    expect(got.map((g) => g.owner)).toEqual(['carol']);
  });

  it('stative and in-meeting verbs make no item', () => {
    for (const text of [
      "If we're changing the menu, I need to know by Friday.",
      "Great, I'll hold you to that.",
      "Right, I'll entertain a motion to close the session.",
      "I'll see what I can do.",
    ])
      expect(items([['alice', text]], asr)).toEqual([]);
  });
});

describe.each(MODES)('a request answered "already done" lapses (%s)', (_mode, asr) => {
  it('drops the request', () => {
    const got = items(
      [
        ['alice', 'Bob, can you also restock the first aid kit in the van?'],
        ['bob', 'Already did it this morning.'],
      ],
      asr,
    );
    expect(got).toEqual([]);
  });

  it('an ordinary yes still accepts', () => {
    const got = items(
      [
        ['alice', 'Bob, can you also restock the first aid kit in the van?'],
        ['bob', 'Sure.'],
      ],
      asr,
    );
    expect(got.map((g) => [g.owner, g.sources])).toEqual([['bob', ['s1', 's2']]]);
  });
});
