import type { ActionItem } from '@mi/contracts';
import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.ts';
import { parsePolicy } from './parse.ts';

const participants = [
  { id: 'alice', name: 'Alice Chen' },
  { id: 'bob', name: 'Bob Martin' },
];
const ctx = { today: '2026-03-10', participants };

function item(task: string, over: Partial<ActionItem> = {}): ActionItem {
  return {
    id: 'a1',
    owner: 'alice',
    ownerName: 'Alice Chen',
    task,
    due: null,
    dueText: null,
    confidence: 0.9,
    sourceSegments: ['s1'],
    engine: 'rules',
    ...over,
  };
}

/** A policy with a single rule `r` whose `when` is the given YAML flow mapping. */
function onlyRule(when: string, extra = '') {
  return parsePolicy(`version: "t.1"\n${extra}rules:\n  - id: r\n    reason: because\n    when: ${when}\n`);
}

const matches = (when: string, it: ActionItem, extra = '') => evaluate(onlyRule(when, extra), it, ctx).level === 'high';

describe('conditions', () => {
  it('externalRecipient: outside email domains and wording, not internal ones', () => {
    const extra = 'internalDomains: [example.com]\n';
    const when = '{ externalRecipient: true }';
    expect(matches(when, item('email the deck to jane@acme.com'), extra)).toBe(true);
    expect(matches(when, item('email the deck to jane@example.com'), extra)).toBe(false);
    expect(matches(when, item('email the deck to ops@eu.example.com'), extra)).toBe(false);
    expect(matches(when, item('send the pricing sheet to the client'), extra)).toBe(true);
    expect(matches(when, item('forward the quote to Globex Corp'), extra)).toBe(true);
    expect(matches(when, item('share the dashboard with the customer success team'), extra)).toBe(false);
    expect(matches(when, item('update the roadmap slide'), extra)).toBe(false);
    expect(matches('{ externalRecipient: false }', item('update the roadmap slide'), extra)).toBe(true);
  });

  it('money: above a threshold, optionally in one currency', () => {
    expect(matches('{ money: { above: 1000 } }', item('approve the $12,000 purchase order'))).toBe(true);
    expect(matches('{ money: { above: 1000 } }', item('expense the $40 lunch'))).toBe(false);
    expect(matches('{ money: { above: 1000 } }', item('exactly $1,000 for the offsite'))).toBe(false);
    expect(matches('{ money: { above: 1000 } }', item('pay the vendor 12k'))).toBe(true);
    expect(matches('{ money: { above: 1000 } }', item('invite 5000 users to the beta'))).toBe(false);
    expect(matches('{ money: { above: 1000, currency: EUR } }', item('wire €5,000'))).toBe(true);
    expect(matches('{ money: { above: 1000, currency: EUR } }', item('wire $5,000'))).toBe(false);
    // No currency named: a person decides.
    expect(matches('{ money: { above: 1000, currency: EUR } }', item('wire 5,000 to them'))).toBe(true);
  });

  it('taskMatches: any pattern, case-insensitive', () => {
    const when = '{ taskMatches: ["\\\\bNDA\\\\b", "legal"] }';
    expect(matches(when, item('get the nda signed'))).toBe(true);
    expect(matches(when, item('ask LEGAL about it'))).toBe(true);
    expect(matches(when, item('fix the agenda'))).toBe(false);
  });

  it('confidenceBelow: strictly below', () => {
    expect(matches('{ confidenceBelow: 0.6 }', item('x', { confidence: 0.59 }))).toBe(true);
    expect(matches('{ confidenceBelow: 0.6 }', item('x', { confidence: 0.6 }))).toBe(false);
  });

  it('ownerMissing: no owner, or one who is not in the meeting', () => {
    expect(matches('{ ownerMissing: true }', item('x', { owner: null, ownerName: null }))).toBe(true);
    expect(matches('{ ownerMissing: true }', item('x', { owner: 'mallory' }))).toBe(true);
    expect(matches('{ ownerMissing: true }', item('x'))).toBe(false);
  });

  it('dueWithinDays: relative to today, overdue included, no date never matches', () => {
    const when = '{ dueWithinDays: 2 }';
    expect(matches(when, item('x', { due: '2026-03-12' }))).toBe(true);
    expect(matches(when, item('x', { due: '2026-03-13' }))).toBe(false);
    expect(matches(when, item('x', { due: '2026-03-01' }))).toBe(true);
    expect(matches(when, item('x', { due: null }))).toBe(false);
    // Across a month end.
    expect(evaluate(onlyRule(when), item('x', { due: '2026-04-01' }), { ...ctx, today: '2026-03-31' }).level).toBe(
      'high',
    );
  });
});

describe('combinators', () => {
  const unowned = item('x', { owner: null, ownerName: null, due: '2026-03-11' });
  it('all needs every part, any needs one, not inverts', () => {
    expect(matches('{ all: [{ ownerMissing: true }, { dueWithinDays: 2 }] }', unowned)).toBe(true);
    expect(matches('{ all: [{ ownerMissing: true }, { dueWithinDays: 0 }] }', unowned)).toBe(false);
    expect(matches('{ any: [{ confidenceBelow: 0.1 }, { dueWithinDays: 2 }] }', unowned)).toBe(true);
    expect(matches('{ any: [{ confidenceBelow: 0.1 }, { dueWithinDays: 0 }] }', unowned)).toBe(false);
    expect(matches('{ not: { ownerMissing: true } }', unowned)).toBe(false);
    expect(matches('{ not: { any: [{ ownerMissing: false }] } }', unowned)).toBe(true);
  });
  it('several keys in one condition must all hold', () => {
    expect(matches('{ ownerMissing: true, dueWithinDays: 2 }', unowned)).toBe(true);
    expect(matches('{ ownerMissing: true, dueWithinDays: 0 }', unowned)).toBe(false);
  });
});

describe('verdict', () => {
  const policy = parsePolicy(`
version: "2026-01-02.3"
rules:
  - { id: a, reason: first, when: { confidenceBelow: 0.5 } }
  - { id: b, reason: second, when: { taskMatches: [contract] } }
  - { id: c, reason: third, when: { ownerMissing: true } }
`);
  it('lists every matching rule in policy order and carries the version', () => {
    expect(evaluate(policy, item('read the contract', { confidence: 0.2 }), ctx)).toEqual({
      level: 'high',
      reasons: [
        { rule: 'a', reason: 'first' },
        { rule: 'b', reason: 'second' },
      ],
      policyVersion: '2026-01-02.3',
    });
    expect(evaluate(policy, item('tidy up'), ctx)).toEqual({
      level: 'low',
      reasons: [],
      policyVersion: '2026-01-02.3',
    });
  });
  it('defaultRisk high makes unmatched items wait, with a reason', () => {
    const cautious = parsePolicy('version: v\ndefaultRisk: high\nrules: []\n');
    expect(evaluate(cautious, item('tidy up'), ctx)).toMatchObject({ level: 'high', reasons: [{ rule: 'default' }] });
  });
});
