import { describe, expect, it } from 'vitest';
import {
  asrNormalise,
  type ExtractedActionItem,
  extractMeeting,
  type MeetingContext,
  MeetingExtractor,
} from './index.ts';

// Meeting on Tuesday 2026-03-10.
const ctx: MeetingContext = {
  meetingDate: '2026-03-10',
  participants: [
    { id: 'alice', name: 'Alice Chen' },
    { id: 'bob', name: 'Bob Martin' },
    { id: 'carol', name: 'Carol Diaz' },
    { id: 'dana', name: 'Dana Okafor' },
  ],
};

type Line = [speaker: string, text: string];

function run(lines: Line[], asr = false): MeetingExtractor {
  const x = new MeetingExtractor(ctx);
  lines.forEach(([speaker, text], i) => {
    x.add({ id: `s${i + 1}`, speaker, text: asr ? asrNormalise(text) : text });
  });
  return x;
}

function only(lines: Line[], asr = false): ExtractedActionItem {
  const items = run(lines, asr).actionItems();
  expect(items).toHaveLength(1);
  return items[0] as ExtractedActionItem;
}

describe('owners', () => {
  it('"I\'ll" makes the speaker the owner', () => {
    const item = only([['alice', "I'll send the deck to the client by Friday."]]);
    expect(item).toMatchObject({
      id: 'ai-s1-0',
      owner: 'alice',
      task: 'send the deck to the client',
      due: '2026-03-13',
      dueText: 'by Friday',
    });
    expect(item.sourceSegments).toEqual(['s1']);
  });

  it('"let me" and "I can" are the speaker\'s too', () => {
    expect(only([['bob', 'Let me check the error budget with the SRE team.']]).owner).toBe('bob');
    expect(only([['carol', 'I can pair with the new hire on Thursday.']]).owner).toBe('carol');
  });

  it('a name at the start addresses the request', () => {
    const item = only([['alice', 'Bob, please review the PR before lunch.']]);
    expect(item.owner).toBe('bob');
    expect(item.task).toBe('review the PR before lunch');
  });

  it('a name at the end addresses the request and is left out of the task', () => {
    const item = only([['alice', 'Can you update the roadmap, Carol?']]);
    expect(item).toMatchObject({ owner: 'carol', task: 'update the roadmap' });
  });

  it('full names and any case work', () => {
    expect(only([['alice', 'DANA OKAFOR, could you book the room?']]).owner).toBe('dana');
  });

  it('a named third person owns what they will do', () => {
    const item = only([['alice', 'Dana will call the vendor tomorrow.']]);
    expect(item).toMatchObject({ owner: 'dana', task: 'call the vendor', due: '2026-03-11' });
  });

  it('"let\'s have X …" and "action item for X" assign X', () => {
    expect(only([['bob', "Let's have Alice draft the email."]])).toMatchObject({
      owner: 'alice',
      task: 'draft the email',
    });
    expect(only([['bob', 'Action item for Carol: fix the login bug.']])).toMatchObject({
      owner: 'carol',
      task: 'fix the login bug',
    });
  });

  it('we / someone / the group leaves the owner empty', () => {
    expect(only([['alice', 'Someone needs to renew the SSL certificate.']]).owner).toBeNull();
    expect(only([['alice', 'We need to update the onboarding guide by Friday.']]).owner).toBeNull();
    expect(only([['alice', "Let's get the staging database cleaned up next week."]]).owner).toBeNull();
  });
});

describe('phrasing variety', () => {
  it.each([
    ["Tom's going to handle the press release.", 'tom'],
    ['Everyone please fill out the survey by Friday.', null],
    ['Bob and Carol, can you sync on the API contract?', 'bob'],
    ['Can someone send out the recording?', null],
    ['Make sure you update the changelog, Dana.', 'dana'],
    ["Don't forget to invite the design team, Carol.", 'carol'],
    ["Bob, you'll own the migration runbook.", 'bob'],
    ["Carol's presenting the results next Tuesday.", 'carol'],
  ] as const)('%s → owner %s', (text, owner) => {
    const x = new MeetingExtractor({ ...ctx, participants: [...ctx.participants, { id: 'tom', name: 'Tom Hale' }] });
    x.add({ id: 's1', speaker: 'alice', text });
    expect(x.actionItems().map((i) => i.owner)).toEqual([owner]);
  });

  it.each([
    'Alright, I have to drop, sorry.',
    'Let me know if you need anything.',
    "I'll be out next week.",
    'Jen, great job on the launch.',
  ])('no item: %s', (text) => {
    expect(run([['alice', text]]).actionItems()).toEqual([]);
  });

  it('"also" in a reply is new work, not the acceptance itself', () => {
    const items = run([
      ['alice', 'Bob, can you pull together the revenue bridge by Friday?'],
      ['bob', "Sure. I'll also own the narrative slides."],
    ]).actionItems();
    expect(items.map((i) => [i.owner, i.sourceSegments])).toEqual([
      ['bob', ['s1', 's2']],
      ['bob', ['s2']],
    ]);
  });

  it('a decision said as "we\'re going to <decide-verb>" is not also a task', () => {
    const x = run([['alice', "We're going to push the launch to May."]]);
    expect(x.decisions()).toHaveLength(1);
    expect(x.actionItems()).toEqual([]);
  });
});

describe('acceptance updates the earlier request', () => {
  it('an open request taken by a later speaker', () => {
    const x = new MeetingExtractor(ctx);
    const first = x.add({ id: 's1', speaker: 'carol', text: 'Someone has to book the venue for the offsite.' });
    expect(first.actionItems.added).toHaveLength(1);
    const second = x.add({ id: 's2', speaker: 'bob', text: "Sure, I'll take that." });
    expect(second.actionItems.added).toEqual([]);
    expect(second.actionItems.updated).toHaveLength(1);
    expect(second.actionItems.updated[0]).toMatchObject({ id: 'ai-s1-0', owner: 'bob', sourceSegments: ['s1', 's2'] });
    expect(x.actionItems()).toHaveLength(1);
  });

  it('the addressee says yes and gives a date', () => {
    const x = run([
      ['alice', 'Dana, can you pull the churn numbers for the board deck?'],
      ['dana', 'I can do that by Thursday.'],
    ]);
    expect(x.actionItems()).toEqual([
      expect.objectContaining({
        owner: 'dana',
        sourceSegments: ['s1', 's2'],
        due: '2026-03-12',
        task: 'pull the churn numbers for the board deck',
      }),
    ]);
  });

  it('a bare "will do" confirms without adding an item', () => {
    const items = run([
      ['bob', 'Carol, could you send the invoice to finance?'],
      ['carol', 'Will do, by the end of the week.'],
    ]).actionItems();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ owner: 'carol', due: '2026-03-13', sourceSegments: ['s1', 's2'] });
    expect(items[0]?.confidence).toBeGreaterThanOrEqual(0.85);
  });

  it('a refusal by the addressee hands the item back to nobody', () => {
    const items = run([
      ['alice', 'Bob, can you review the security audit?'],
      ['bob', "Sorry, I can't, I'm out all week."],
    ]).actionItems();
    expect(items).toHaveLength(1);
    expect(items[0]?.owner).toBeNull();
  });

  it('"it" in an acceptance takes its meaning from the request', () => {
    const items = run([
      ['alice', 'Next up, the flaky payment test. Bob, that one is yours, right?'],
      ['bob', "Yeah, I'll dig into it tomorrow."],
    ]).actionItems();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ owner: 'bob', due: '2026-03-11', sourceSegments: ['s1', 's2'] });
    expect(items[0]?.task).toContain('flaky payment test');
  });
});

describe('not action items', () => {
  it.each([
    'We will not migrate this quarter.',
    "I won't be able to join the call on Thursday.",
    'No need to update the docs.',
    "I'm not touching the billing code before the release.",
    'Please don’t merge anything today.',
  ])('negation: %s', (text) => {
    expect(run([['alice', text]]).actionItems()).toEqual([]);
  });

  it.each([
    'Should we move the launch?',
    'Do we know who owns billing?',
    'Who is on call this weekend?',
    'Can we afford another contractor?',
  ])('open question: %s', (text) => {
    expect(run([['alice', text]]).actionItems()).toEqual([]);
  });

  it.each([
    'I sent the report yesterday.',
    'We already migrated the old tenants last week.',
    'Bob fixed the pipeline on Monday.',
  ])('past work: %s', (text) => {
    expect(run([['alice', text]]).actionItems()).toEqual([]);
  });

  it.each([
    'If we had more time we could rewrite it.',
    "If I had the budget, I'd hire a contractor.",
    'We could just turn the whole thing off.',
  ])('hypothetical: %s', (text) => {
    expect(run([['alice', text]]).actionItems()).toEqual([]);
  });

  it.each(["That's a great idea, honestly.", "Ha, I'll just print money then.", "Let's get started."])(
    'opinion, joke, meeting talk: %s',
    (text) => {
      expect(run([['alice', text]]).actionItems()).toEqual([]);
    },
  );
});

describe('confidence', () => {
  it('strong commitments score above weak offers', () => {
    const strong = only([['alice', "I'll write the migration plan."]]);
    const weak = only([['alice', 'Maybe I could look at the logs.']]);
    expect(strong.confidence).toBeGreaterThanOrEqual(0.8);
    expect(weak.confidence).toBeLessThan(0.5);
    expect(strong.confidence).toBeGreaterThan(weak.confidence);
  });
});

describe('decisions', () => {
  it.each([
    ['We decided to drop the legacy API.', 'drop the legacy API'],
    ["Okay, we've agreed to freeze hiring until June.", 'freeze hiring until June'],
    ["Let's go with the blue design.", 'go with the blue design'],
    ['The decision is we launch in April.', 'we launch in April'],
  ])('%s', (text, expected) => {
    const x = run([['alice', text]]);
    expect(x.decisions()).toHaveLength(1);
    expect(x.decisions()[0]?.text).toContain(expected);
  });

  it('a group conclusion is a decision, not an action item', () => {
    const x = run([['alice', "Okay, so we'll ship on Monday then."]]);
    expect(x.decisions()).toEqual([expect.objectContaining({ id: 'dec-s1', sourceSegments: ['s1'] })]);
    expect(x.actionItems()).toEqual([]);
  });

  it('a confirmation joins the earlier decision', () => {
    const x = run([
      ['alice', "Let's go with the wizard layout."],
      ['bob', 'Agreed.'],
      ['alice', 'Great, wizard it is.'],
    ]);
    expect(x.decisions()).toEqual([expect.objectContaining({ sourceSegments: ['s1', 's3'] })]);
  });

  it.each([
    'Should we go with vendor A?',
    "We haven't decided on the vendor yet.",
    'We need to decide on pricing next week.',
    "Let's talk about hiring.",
  ])('no decision: %s', (text) => {
    expect(run([['alice', text]]).decisions()).toEqual([]);
  });
});

describe('incremental use', () => {
  const lines: Line[] = [
    ['alice', 'Um, okay, let us get going. The Q3 roadmap review is today.'],
    ['bob', 'Carol, can you send the updated estimates to finance by Thursday?'],
    ['carol', 'Sure, no problem.'],
    ['dana', "We decided to postpone the mobile redesign until Q4, that's final."],
    ['alice', "I'll write up the notes and share them tomorrow."],
  ];

  it('add() is idempotent per segment id', () => {
    const x = new MeetingExtractor(ctx);
    const first = x.add({ id: 's1', speaker: 'alice', text: "I'll file the ticket." });
    expect(first.actionItems.added).toHaveLength(1);
    const again = x.add({ id: 's1', speaker: 'alice', text: "I'll file the ticket." });
    expect(again).toEqual({
      actionItems: { added: [], updated: [], removed: [] },
      decisions: { added: [], updated: [], removed: [] },
    });
    expect(x.actionItems()).toHaveLength(1);
  });

  it('a checkpoint restores the extractor exactly', () => {
    const straight = new MeetingExtractor(ctx);
    const straightDeltas = lines.map(([speaker, text], i) => straight.add({ id: `s${i + 1}`, speaker, text }));

    const a = new MeetingExtractor(ctx);
    const deltas = lines.slice(0, 2).map(([speaker, text], i) => a.add({ id: `s${i + 1}`, speaker, text }));
    const saved = JSON.parse(JSON.stringify(a.state()));
    const b = new MeetingExtractor(ctx, saved);
    lines.slice(2).forEach(([speaker, text], i) => {
      deltas.push(b.add({ id: `s${i + 3}`, speaker, text }));
    });

    expect(deltas).toEqual(straightDeltas);
    expect(b.actionItems()).toEqual(straight.actionItems());
    expect(b.decisions()).toEqual(straight.decisions());
    expect(b.summary()).toEqual(straight.summary());
    expect(b.state()).toEqual(straight.state());
    // The restored extractor still knows which segments it has seen.
    expect(b.add({ id: 's1', speaker: 'alice', text: 'anything' }).actionItems.added).toEqual([]);
  });

  it('state() is a copy, not a live view', () => {
    const x = run(lines);
    const s = x.state();
    s.items.length = 0;
    expect(x.actionItems().length).toBeGreaterThan(0);
  });

  it('late participants can be addressed after they join', () => {
    const x = new MeetingExtractor(ctx);
    x.addParticipant({ id: 'erin', name: 'Erin Walsh' });
    x.add({ id: 's1', speaker: 'alice', text: 'Erin, can you set up the demo account?' });
    expect(x.actionItems()[0]?.owner).toBe('erin');
    const restored = new MeetingExtractor(ctx, JSON.parse(JSON.stringify(x.state())));
    restored.add({ id: 's2', speaker: 'bob', text: 'Erin will also send the invite by Friday.' });
    expect(restored.actionItems().map((i) => i.owner)).toEqual(['erin', 'erin']);
  });

  it('summary keeps the most informative sentences in meeting order, without fillers', () => {
    const x = run(lines);
    const bullets = x.summary(2);
    expect(bullets).toHaveLength(2);
    const order = bullets.map((b) => Number(b.sourceSegments[0]?.slice(1)));
    expect(order).toEqual([...order].sort((p, q) => p - q));
    expect(bullets.some((b) => b.text.includes('postpone the mobile redesign'))).toBe(true);
    expect(x.summary().every((b) => !/\bum\b/i.test(b.text))).toBe(true);
    expect(x.summary(0)).toEqual([]);
  });

  it('extractMeeting is the batch form of the same thing', () => {
    const batch = extractMeeting(
      ctx,
      lines.map(([speaker, text], i) => ({ id: `s${i + 1}`, speaker, text })),
    );
    const x = run(lines);
    expect(batch).toEqual({ actionItems: x.actionItems(), decisions: x.decisions(), summary: x.summary() });
    expect(batch.actionItems.map((i) => i.owner)).toEqual(['carol', 'alice']);
  });
});

describe('raw ASR input', () => {
  it('finds addressee, task and due date without punctuation or capitals', () => {
    const item = only([['alice', 'bob can you send the deck to the client by friday']]);
    expect(item).toMatchObject({ owner: 'bob', task: 'send the deck to the client', due: '2026-03-13' });
  });

  it('splits run-on turns into clauses', () => {
    const x = run(
      [
        ['alice', 'okay so um the pricing page is a mess carol can you clean it up by next tuesday'],
        ['carol', 'yeah i can do that i should have it done by monday actually'],
        ['bob', "i sent the numbers yesterday and i won't be around next week"],
      ],
      false,
    );
    expect(x.actionItems()).toEqual([
      expect.objectContaining({ owner: 'carol', sourceSegments: ['s1', 's2'], due: '2026-03-16' }),
    ]);
  });

  it('keeps the distinctions on asrNormalise()d text', () => {
    const lines: Line[] = [
      ['alice', 'Should we move the launch?'],
      ['bob', 'We will not migrate this quarter.'],
      ['carol', 'Dana, please renew the $12,000 support contract by March 20th.'],
      ['dana', "Sure, I'll take care of it."],
      ['alice', 'We decided to keep the current vendor.'],
    ];
    const x = run(lines, true);
    expect(x.actionItems()).toEqual([
      expect.objectContaining({ owner: 'dana', due: '2026-03-20', sourceSegments: ['s3', 's4'] }),
    ]);
    expect(x.actionItems()[0]?.task).toContain('twelve thousand dollars support contract');
    expect(x.decisions()).toHaveLength(1);
  });
});
