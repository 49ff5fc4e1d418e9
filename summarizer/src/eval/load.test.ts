import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMeetings, parseMeeting } from './load.ts';

const valid = {
  id: 'm1',
  title: 'Test',
  meetingDate: '2026-03-10',
  participants: [{ id: 'bob', name: 'Bob Martin' }],
  segments: [{ id: 's1', speaker: 'bob', text: "I'll send it." }],
  expected: { actionItems: [{ owner: 'bob', task: 'send it', due: null, sourceSegments: ['s1'] }], decisions: [] },
};

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

describe('labelled meetings', () => {
  it('parses a valid meeting', () => {
    expect(parseMeeting(valid, 'x.json')).toEqual(valid);
  });

  it('names the file and the problem when the shape is wrong', () => {
    expect(() => parseMeeting({ ...valid, meetingDate: '10/03/2026' }, 'bad.json')).toThrow(/bad\.json: meetingDate/);
    expect(() =>
      parseMeeting({ ...valid, expected: { actionItems: [{ task: 1 }], decisions: [] } }, 'bad.json'),
    ).toThrow(/bad expected action item/);
  });

  it('loads the JSON files of a directory in name order, and nothing from a missing one', () => {
    dir = mkdtempSync(join(tmpdir(), 'meetings-'));
    writeFileSync(join(dir, 'm02.json'), JSON.stringify({ ...valid, id: 'm2' }));
    writeFileSync(join(dir, 'm01.json'), JSON.stringify(valid));
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    expect(loadMeetings(dir).map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(loadMeetings(join(dir, 'absent'))).toEqual([]);
  });
});
