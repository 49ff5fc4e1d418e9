import { describe, expect, it } from 'vitest';
import { LlmInvalidReplyError } from './errors.ts';
import { parseReply } from './reply.ts';

const participants = [
  { id: 'alice', name: 'Alice Chen' },
  { id: 'carol', name: 'Carol Diaz' },
];
const good = {
  actionItems: [
    { owner: 'carol', task: 'build the CSV export endpoint', due: '2026-03-13', dueText: 'by Friday', confidence: 0.9 },
    { owner: null, task: 'book a room', due: null, dueText: null, confidence: 0.5, extra: 'ignored' },
  ],
  decisions: [{ text: 'CSV only this sprint', confidence: 0.8 }],
};

function invalid(content: string): LlmInvalidReplyError {
  try {
    parseReply(content, participants);
  } catch (error) {
    expect(error).toBeInstanceOf(LlmInvalidReplyError);
    return error as LlmInvalidReplyError;
  }
  throw new Error('expected the reply to be rejected');
}

describe('parseReply', () => {
  it('returns the items and decisions, dropping unknown fields', () => {
    const r = parseReply(JSON.stringify(good), participants);
    expect(r.actionItems[0]).toEqual(good.actionItems[0]);
    expect(r.actionItems[1]).not.toHaveProperty('extra');
    expect(r.decisions).toEqual(good.decisions);
  });

  it('accepts JSON wrapped in a markdown fence', () => {
    expect(parseReply(`\`\`\`json\n${JSON.stringify(good)}\n\`\`\``, participants).actionItems).toHaveLength(2);
  });

  it('rejects an owner who is not a participant id, even a participant name', () => {
    const reply = { ...good, actionItems: [{ ...good.actionItems[0], owner: 'Carol Diaz' }] };
    expect(invalid(JSON.stringify(reply)).path).toBe('/actionItems/0/owner');
  });

  it('rejects dates that are not YYYY-MM-DD calendar dates', () => {
    expect(invalid(JSON.stringify({ ...good, actionItems: [{ ...good.actionItems[0], due: 'Friday' }] })).path).toBe(
      '/actionItems/0/due',
    );
    expect(
      invalid(JSON.stringify({ ...good, actionItems: [{ ...good.actionItems[0], due: '2026-02-30' }] })).message,
    ).toMatch(/not a calendar date/);
  });

  it('rejects non-JSON, missing fields and out-of-range confidence', () => {
    expect(invalid('Sure! Here are the items:').message).toMatch(/not JSON/);
    expect(invalid(JSON.stringify({ actionItems: [] })).path).toBe('/decisions');
    const overconfident = { ...good, decisions: [{ text: 'x', confidence: 1.5 }] };
    expect(invalid(JSON.stringify(overconfident)).path).toBe('/decisions/0/confidence');
  });
});
