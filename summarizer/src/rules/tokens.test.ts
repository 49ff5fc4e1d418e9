import { describe, expect, it } from 'vitest';
import { render, tokenize } from './tokens.ts';

const norms = (text: string) => tokenize(text).map((t) => t.norm);

describe('tokenize', () => {
  it('expands contractions so modals have one spelling', () => {
    expect(norms("I'll do it, we won't, she can't, let's go, I'm gonna")).toEqual([
      'i',
      'will',
      'do',
      'it',
      'we',
      'will',
      'not',
      'she',
      'can',
      'not',
      "let's",
      'go',
      'i',
      'am',
      'going',
      'to',
    ]);
  });

  it('keeps possessives but reads "that\'s" as "that is"', () => {
    expect(norms("That's Mike's deck")).toEqual(['that', 'is', "mike's", 'deck']);
  });

  it('keeps emails, money and numeric dates whole, and records punctuation', () => {
    const tokens = tokenize('Email kate@brightwave.io by 3/20, $8,500 total.');
    expect(tokens.map((t) => t.norm)).toEqual(['email', 'kate@brightwave.io', 'by', '3/20', '$8,500', 'total']);
    expect(tokens[3]?.punct).toBe(',');
    expect(tokens[5]?.punct).toBe('.');
  });

  it('renders back the surface text', () => {
    const tokens = tokenize("I'll send the co-marketing brief, today.");
    expect(render(tokens, 2)).toBe('send the co-marketing brief, today');
  });
});
