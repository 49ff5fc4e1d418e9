import { describe, expect, it } from 'vitest';
import { splitClauses } from './clauses.ts';
import { ParticipantIndex } from './names.ts';
import { tokenize } from './tokens.ts';

const names = new ParticipantIndex([
  { id: 'carol', name: 'Carol Diaz' },
  { id: 'dan', name: 'Dan Okafor' },
]);

function clauses(text: string): string[] {
  const tokens = tokenize(text);
  return splitClauses(tokens, names).map((c) =>
    tokens
      .slice(c.start, c.end)
      .map((t) => t.norm)
      .join(' '),
  );
}

describe('splitClauses', () => {
  it('finds clause starts in unpunctuated ASR text', () => {
    expect(clauses("yeah i'll take it i should have a first version up by friday")).toEqual([
      'yeah i will take it',
      'i should have a first version up by friday',
    ]);
    expect(clauses('so the big item is the csv export carol can you take the endpoint')).toEqual([
      'so the big item is the csv export',
      'carol can you take the endpoint',
    ]);
  });

  it('keeps a vocative preamble with its clause and binds "let\'s"/"make sure" complements', () => {
    expect(clauses('Okay, Dan, can you look at it?')).toEqual(['okay dan can you look at it']);
    expect(clauses("let's do it and make sure we test it")).toEqual(["let's do it and make sure we test it"]);
  });

  it('opens a clause at a conjunction before a new subject', () => {
    expect(clauses("i'll update the tracker today and we're done")).toEqual([
      'i will update the tracker today',
      'and we are done',
    ]);
  });
});
