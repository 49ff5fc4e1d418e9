import { describe, expect, it } from 'vitest';
import { asrNormalise, type MeetingContext, MeetingExtractor } from './index.ts';

// Rules grouped by the linguistic cause they cover. Every sentence here is invented for the test;
// each runs on punctuated text and on asrNormalise()d text (lowercase, no punctuation).

const ctx: MeetingContext = {
  meetingDate: '2026-03-10', // a Tuesday
  participants: [
    { id: 'alice', name: 'Alice Chen' },
    { id: 'bob', name: 'Bob Martin' },
    { id: 'carol', name: 'Carol Diaz' },
    { id: 'dana', name: 'Dana Okafor' },
  ],
};

type Line = [speaker: string, text: string];
const MODES = [
  ['text', false],
  ['asr', true],
] as const;

function run(lines: Line[], asr: boolean): MeetingExtractor {
  const x = new MeetingExtractor(ctx);
  lines.forEach(([speaker, text], i) => {
    x.add({ id: `s${i + 1}`, speaker, text: asr ? asrNormalise(text) : text });
  });
  return x;
}

const items = (lines: Line[], asr: boolean) =>
  run(lines, asr)
    .actionItems()
    .map((a) => ({ owner: a.owner, task: a.task.toLowerCase(), due: a.due, sources: a.sourceSegments }));
const decisions = (lines: Line[], asr: boolean) =>
  run(lines, asr)
    .decisions()
    .map((d) => ({ text: d.text.toLowerCase(), sources: d.sourceSegments }));

describe.each(MODES)('indirect requests (%s)', (_mode, asr) => {
  it('"NAME, would you VERB" asks NAME; a bare "would you" stays a question', () => {
    expect(items([['alice', 'Bob, would you draft the renewal memo for the finance team?']], asr)).toEqual([
      { owner: 'bob', task: 'draft the renewal memo for the finance team', due: null, sources: ['s1'] },
    ]);
    expect(items([['alice', 'Would you hire him on your own?']], asr)).toEqual([]);
    expect(items([['alice', 'Bob, would you say the launch went well?']], asr)).toEqual([]);
  });

  it('"it would be great if X could …" assigns X', () => {
    expect(items([['alice', "It'd be great if Carol could book the offsite venue by Thursday."]], asr)).toEqual([
      { owner: 'carol', task: 'book the offsite venue', due: '2026-03-12', sources: ['s1'] },
    ]);
    expect(items([['alice', 'Bob, it would be really helpful if you could clean up the intake form.']], asr)).toEqual([
      { owner: 'bob', task: 'clean up the intake form', due: null, sources: ['s1'] },
    ]);
    expect(items([['alice', 'It would be great if the weather holds for the picnic.']], asr)).toEqual([]);
  });

  it('"if you could …, NAME, that would be great" assigns the name after it', () => {
    expect(items([['alice', 'If you could send me the invoices, Dana, that would be great.']], asr)).toEqual([
      { owner: 'dana', task: 'send me the invoices', due: null, sources: ['s1'] },
    ]);
  });

  it('"any chance you could …" is a request the addressee can accept', () => {
    const got = items(
      [
        ['alice', 'Carol, any chance you could look at the flaky login tests before Friday?'],
        ['carol', "Yeah, I'll dig in tomorrow."],
      ],
      asr,
    );
    expect(got).toEqual([
      { owner: 'carol', task: 'look at the flaky login tests', due: '2026-03-11', sources: ['s1', 's2'] },
    ]);
  });

  it('"any chance we get X" asks the addressee to deliver X', () => {
    const [item] = items([['alice', 'Dana, any chance we get the signed lease back by Monday?']], asr);
    expect(item).toMatchObject({ owner: 'dana', due: '2026-03-16' });
    expect(item?.task).toContain('the signed lease');
  });
});

describe.each(MODES)('volunteering (%s)', (_mode, asr) => {
  it('"put me down for …" and "sign me up for …" commit the speaker', () => {
    expect(items([['bob', 'Put me down for writing the migration guide.']], asr)).toEqual([
      { owner: 'bob', task: 'write the migration guide', due: null, sources: ['s1'] },
    ]);
    expect(items([['bob', 'Sign me up for the booth shift on Saturday.']], asr)).toEqual([
      { owner: 'bob', task: 'take the booth shift', due: '2026-03-14', sources: ['s1'] },
    ]);
  });

  it('"leave it with me" takes open work nobody owns', () => {
    expect(
      items(
        [
          ['alice', 'Somebody has to chase the printer vendor.'],
          ['bob', 'Leave it with me.'],
        ],
        asr,
      ),
    ).toEqual([{ owner: 'bob', task: 'chase the printer vendor', due: null, sources: ['s1', 's2'] }]);
  });

  it('"X needs an owner" waits for a volunteer', () => {
    expect(items([['alice', 'The warehouse audit needs an owner.']], asr)).toEqual([]);
    expect(
      items(
        [
          ['alice', 'The warehouse audit needs an owner.'],
          ['carol', "I'm on it."],
        ],
        asr,
      ),
    ).toEqual([{ owner: 'carol', task: 'handle the warehouse audit', due: null, sources: ['s1', 's2'] }]);
  });

  it('"I\'ll VERB it" refers to what was last VERBed, and takes open work only if it is the same', () => {
    const got = items(
      [
        ['dana', 'Some of us want to organize a charity run.'],
        ['alice', "Let's refresh the hiring plan next week."],
        ['bob', 'Sounds fine to me.'],
        ['dana', "Okay, then I'll organize it for sometime in the summer."],
      ],
      asr,
    );
    expect(got).toContainEqual({ owner: null, task: 'refresh the hiring plan', due: '2026-03-16', sources: ['s2'] });
    expect(got.find((i) => i.owner === 'dana')?.task).toContain('organize a charity run');
  });
});

describe.each(MODES)('conditional offers (%s)', (_mode, asr) => {
  it('an offer on a condition is not a commitment; a courtesy condition is', () => {
    expect(items([['bob', "I'm happy to host the workshop if someone books the room."]], asr)).toEqual([]);
    expect(items([['bob', "I'll cook dinner for everyone if that's what it takes."]], asr)).toEqual([]);
    expect(items([['bob', "I'll send the notes if that helps."]], asr)).toEqual([
      { owner: 'bob', task: 'send the notes', due: null, sources: ['s1'] },
    ]);
  });

  it('meeting talk after "let me" is not work; "let me talk to X" is', () => {
    expect(items([['alice', 'Let me answer that right now. The office stays closed on Fridays.']], asr)).toEqual([]);
    expect(items([['alice', 'Let me talk to finance about the refund.']], asr)).toEqual([
      { owner: 'alice', task: 'talk to finance about the refund', due: null, sources: ['s1'] },
    ]);
  });
});

describe('clause splitting without punctuation', () => {
  it('a new subject with a modal after a clause-final auxiliary starts a clause', () => {
    expect(items([['alice', "i'm not sure anyone does i'll write up the postmortem tomorrow"]], true)).toEqual([
      { owner: 'alice', task: 'write up the postmortem', due: '2026-03-11', sources: ['s1'] },
    ]);
  });

  it('a name in mid-sentence addresses the imperative after it, adverbs allowed', () => {
    // "it" resolves to the phrase before the name, which no longer swallows the name.
    expect(items([['alice', "it's not a blocker carol just open a ticket for it"]], true)).toEqual([
      { owner: 'carol', task: 'open a ticket for a blocker', due: null, sources: ['s1'] },
    ]);
    expect(items([['alice', 'we need fresh numbers bob pull the regional report by friday']], true)).toEqual([
      { owner: 'bob', task: 'pull the regional report', due: '2026-03-13', sources: ['s1'] },
    ]);
  });

  it('"VERB it and VERB me the X" is two pieces of work', () => {
    const got = items([['alice', 'dana you should file it and send me the receipt']], true);
    expect(got.map((i) => i.task)).toEqual(['file it', 'send me the receipt']);
  });

  it('"let\'s" after an answer starts its own clause', () => {
    expect(items([['alice', "we are let's repeat the pricing survey next week"]], true)).toEqual([
      { owner: null, task: 'repeat the pricing survey', due: '2026-03-16', sources: ['s1'] },
    ]);
  });
});

describe.each(MODES)('decisions stated plainly (%s)', (_mode, asr) => {
  it('"<option> it is", also run on into the next clause', () => {
    expect(decisions([['alice', 'So the freemium tier it is.']], asr)).toEqual([
      { text: 'the freemium tier it is', sources: ['s1'] },
    ]);
    expect(decisions([['alice', 'Fine, the vendor from Austin it is, Carol will send them the order.']], asr)).toEqual([
      { text: 'the vendor from austin it is, carol will send them the order', sources: ['s1'] },
    ]);
    expect(decisions([['alice', 'Honestly, do we know how slow it is?']], asr)).toEqual([]);
    expect(decisions([['alice', "Ops says it's already fixed."]], asr)).toEqual([]);
  });

  it('a statement put to the room ("anyone disagree?") is a decision; a bare "that\'s final" joins it', () => {
    expect(
      decisions(
        [
          ['alice', 'The mobile app is our main focus for the autumn. Any objections?'],
          ['bob', 'Nope.'],
          ['alice', "Great, that's final."],
        ],
        asr,
      ),
    ).toEqual([{ text: 'the mobile app is our main focus for the autumn', sources: ['s1', 's3'] }]);
  });

  it('"that\'s our new process" ratifies the latest decision instead of borrowing a reply', () => {
    const got = decisions(
      [
        ['alice', 'Going forward, every release note gets a second reader. Everyone happy with that?'],
        ['bob', 'Yes.'],
        ['carol', 'Fine by me, as long as I am not the reader.'],
        ['alice', "Good, that's our new process."],
      ],
      asr,
    );
    expect(got).toHaveLength(1);
    expect(got[0]?.sources).toEqual(['s1', 's4']);
    expect(got[0]?.text).toContain('every release note gets a second reader');
  });

  it('"then <thing> <verb>s …" is a conclusion; "then we\'re done" closes the meeting', () => {
    expect(decisions([['alice', 'Okay, then payroll switches to the new provider in June.']], asr)).toEqual([
      { text: 'payroll switches to the new provider in june', sources: ['s1'] },
    ]);
    expect(decisions([['alice', "Then we're done for today. Thanks all."]], asr)).toEqual([]);
  });

  it('"yes, let\'s X" settles a "can we X?" proposal', () => {
    expect(
      decisions(
        [
          ['bob', 'There are a lot of stale dashboards. Can we just archive the old ones?'],
          ['alice', "Yes, let's archive everything older than a year."],
        ],
        asr,
      ),
    ).toEqual([{ text: 'archive everything older than a year', sources: ['s2'] }]);
  });

  it('one option over another ("X, not Y", "instead of") is a choice made', () => {
    expect(decisions([['alice', 'We are hiring two contractors instead of one senior engineer.']], asr)).toHaveLength(
      1,
    );
    expect(decisions([['alice', "We're booking the smaller venue, not the ballroom."]], asr)).toHaveLength(1);
    expect(decisions([['alice', 'We are not planning a reorg this year.']], asr)).toEqual([]);
  });

  it('"<statement>, done" ratifies on the spot; "it\'s done" does not', () => {
    expect(decisions([['alice', 'Marketing gets the extra budget, done.']], asr)).toEqual([
      { text: 'marketing gets the extra budget', sources: ['s1'] },
    ]);
    expect(decisions([['alice', 'The tests are done, by the way.']], asr)).toEqual([]);
    expect(decisions([['alice', 'I want the copy done before lunch.']], asr)).toEqual([]);
  });
});

describe('state compatibility', () => {
  it('a checkpoint from before verb-object memory (no "objects") still restores and resolves "it"', () => {
    const x = run([['dana', 'Some of us want to organize a charity run.']], false);
    const old = JSON.parse(JSON.stringify(x.state()));
    for (const r of old.recent) delete r.objects;
    const y = new MeetingExtractor(ctx, old);
    y.add({ id: 's2', speaker: 'dana', text: "I'll organize it next month." });
    expect(y.actionItems()).toMatchObject([{ id: 'ai-s2-0', owner: 'dana' }]);
  });
});
