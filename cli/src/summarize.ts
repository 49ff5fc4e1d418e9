import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { extractMeeting, type MeetingContext, type Segment } from '@mi/summarizer';
import { transcribeWithProgress } from './transcribe.ts';

export type SummaryOutput = {
  meeting_date: string;
  summary: string[];
  decisions: { text: string; confidence: number; source_segments: string[] }[];
  action_items: {
    owner: string | null;
    task: string;
    due: string | null;
    confidence: number;
    source_segments: string[];
  }[];
};

type Meeting = MeetingContext & { segments: Segment[] };
type AnyJson = Record<string, unknown> & { segments?: unknown[] };

/**
 * Reads the transcript shapes this product writes: `pnpm cli transcribe --format json`, the room
 * transcript API (`{ room, segments: [transcript.final events] }`), or a labelled meeting
 * (`{ meetingDate, participants, segments: [{ id, speaker, text }] }`).
 */
export function meetingFromJson(json: AnyJson, fallbackDate: string): Meeting {
  const raw = Array.isArray(json.segments) ? json.segments : [];
  const participants = new Map<string, string>();
  for (const p of (json.participants as { id: string; name: string }[] | undefined) ?? [])
    participants.set(p.id, p.name);
  const segments: Segment[] = raw.map((s, i) => {
    const seg = s as Record<string, unknown>;
    const data = (seg.type === 'transcript.final' ? seg.data : seg) as Record<string, unknown>;
    const speakerField = data.speaker;
    const speaker =
      typeof speakerField === 'string'
        ? speakerField
        : ((speakerField as { id?: string } | undefined)?.id ?? 'speaker');
    const name = typeof speakerField === 'object' ? (speakerField as { name?: string }).name : undefined;
    if (!participants.has(speaker)) participants.set(speaker, name ?? speaker);
    const id = (data.segmentId ?? data.id ?? `s${i + 1}`) as string;
    return { id: String(id), speaker, text: String(data.text ?? '') };
  });
  const firstStart = (raw[0] as { data?: { startedAt?: string } } | undefined)?.data?.startedAt;
  const meetingDate = (json.meetingDate as string | undefined) ?? firstStart?.slice(0, 10) ?? fallbackDate;
  return { meetingDate, participants: [...participants].map(([id, name]) => ({ id, name })), segments };
}

async function transcribeToMeeting(file: string, date: string, quiet: boolean): Promise<Meeting> {
  const result = await transcribeWithProgress(file, quiet);
  return {
    meetingDate: date,
    participants: [{ id: 'speaker', name: 'Speaker' }],
    segments: result.segments.map((s, i) => ({ id: `s${i + 1}`, speaker: 'speaker', text: s.text })),
  };
}

/** `summarize <audio-video-or-transcript.json>`: the live summarizer's rules engine, offline. */
export async function summarizeFile(file: string, opts: { date?: string; quiet: boolean }): Promise<SummaryOutput> {
  const fallbackDate = opts.date ?? (await stat(file)).mtime.toISOString().slice(0, 10);
  const meeting =
    extname(file).toLowerCase() === '.json'
      ? meetingFromJson(JSON.parse(await readFile(file, 'utf8')) as AnyJson, opts.date ?? fallbackDate)
      : await transcribeToMeeting(file, fallbackDate, opts.quiet);
  if (opts.date) meeting.meetingDate = opts.date;
  const r = extractMeeting({ meetingDate: meeting.meetingDate, participants: meeting.participants }, meeting.segments);
  return {
    meeting_date: meeting.meetingDate,
    summary: r.summary.map((b) => b.text),
    decisions: r.decisions.map((d) => ({ text: d.text, confidence: d.confidence, source_segments: d.sourceSegments })),
    action_items: r.actionItems.map((a) => ({
      owner: a.owner,
      task: a.task,
      due: a.due,
      confidence: Math.round(a.confidence * 100) / 100,
      source_segments: a.sourceSegments,
    })),
  };
}

export function renderSummaryText(s: SummaryOutput): string {
  const lines = [`Meeting ${s.meeting_date}`, '', 'Summary:', ...s.summary.map((b) => `  - ${b}`), '', 'Decisions:'];
  lines.push(...s.decisions.map((d) => `  - ${d.text}`), '', 'Action items:');
  for (const a of s.action_items)
    lines.push(`  - [${a.owner ?? 'unassigned'}] ${a.task}${a.due ? ` (due ${a.due})` : ''}`);
  return `${lines.join('\n')}\n`;
}
