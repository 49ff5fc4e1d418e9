import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Participant, Segment } from '../rules/index.ts';

// Labelled meetings: one JSON file per meeting, with the expected items per the annotation guidelines.

export type ExpectedActionItem = { owner: string | null; task: string; due: string | null; sourceSegments: string[] };
export type ExpectedDecision = { text: string; sourceSegments: string[] };

export type LabelledMeeting = {
  id: string;
  title: string;
  meetingDate: string;
  participants: Participant[];
  segments: Segment[];
  expected: { actionItems: ExpectedActionItem[]; decisions: ExpectedDecision[] };
};

function fail(file: string, why: string): never {
  throw new Error(`${file}: ${why}`);
}

const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');

/** Checks the shape of one parsed file; throws with the file name on the first problem. */
export function parseMeeting(raw: unknown, file: string): LabelledMeeting {
  if (typeof raw !== 'object' || raw === null) fail(file, 'not an object');
  const m = raw as Record<string, unknown>;
  for (const key of ['id', 'title', 'meetingDate'] as const) {
    if (typeof m[key] !== 'string') fail(file, `missing ${key}`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(m.meetingDate as string)) fail(file, 'meetingDate is not YYYY-MM-DD');
  if (!Array.isArray(m.participants) || !Array.isArray(m.segments))
    fail(file, 'participants and segments must be arrays');
  const expected = m.expected as Record<string, unknown> | undefined;
  if (!expected || !Array.isArray(expected.actionItems) || !Array.isArray(expected.decisions))
    fail(file, 'missing expected items');
  for (const a of expected.actionItems as Record<string, unknown>[]) {
    if (typeof a.task !== 'string' || !isStringArray(a.sourceSegments)) fail(file, 'bad expected action item');
  }
  for (const d of expected.decisions as Record<string, unknown>[]) {
    if (typeof d.text !== 'string' || !isStringArray(d.sourceSegments)) fail(file, 'bad expected decision');
  }
  const segments = (m.segments as Record<string, unknown>[]).map((s) => {
    if (typeof s.id !== 'string' || typeof s.speaker !== 'string' || typeof s.text !== 'string')
      fail(file, 'bad segment');
    return { id: s.id, speaker: s.speaker, text: s.text };
  });
  return {
    id: m.id as string,
    title: m.title as string,
    meetingDate: m.meetingDate as string,
    participants: (m.participants as Participant[]).map((p) => ({ id: p.id, name: p.name })),
    segments,
    expected: {
      actionItems: (expected.actionItems as ExpectedActionItem[]).map((a) => ({
        owner: a.owner ?? null,
        task: a.task,
        due: a.due ?? null,
        sourceSegments: a.sourceSegments,
      })),
      decisions: (expected.decisions as ExpectedDecision[]).map((d) => ({
        text: d.text,
        sourceSegments: d.sourceSegments,
      })),
    },
  };
}

/** All *.json meetings in a directory, sorted by file name; an absent directory gives []. */
export function loadMeetings(dir: string): LabelledMeeting[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.sort().map((f) => {
    const path = join(dir, f);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
    return parseMeeting(raw, path);
  });
}
