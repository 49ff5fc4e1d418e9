/** Renders transcript segments as plain text, JSON, WebVTT or SRT (shared by the CLI and the gateway). */
export type CaptionSegment = { start: number; end: number; text: string; speaker?: { id: string; name: string } };
export type TranscriptFormat = 'text' | 'json' | 'vtt' | 'srt';
export const transcriptFormats: TranscriptFormat[] = ['text', 'json', 'vtt', 'srt'];

function clock(ms: number, sep: '.' | ','): string {
  const t = Math.max(0, Math.round(ms));
  const h = Math.floor(t / 3_600_000);
  const m = Math.floor((t % 3_600_000) / 60_000);
  const s = Math.floor((t % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${sep}${pad(t % 1000, 3)}`;
}

export function renderTranscript(segments: CaptionSegment[], format: TranscriptFormat, json?: unknown): string {
  switch (format) {
    case 'text':
      return `${segments.map((s) => s.text).join('\n')}\n`;
    case 'json':
      return `${JSON.stringify(json ?? segments, null, 2)}\n`;
    case 'vtt':
      return `WEBVTT\n\n${segments
        .map((s) => {
          const who = s.speaker ? `<v ${s.speaker.name}>` : '';
          return `${clock(s.start, '.')} --> ${clock(s.end, '.')}\n${who}${s.text}\n`;
        })
        .join('\n')}`;
    case 'srt':
      return segments
        .map((s, i) => `${i + 1}\n${clock(s.start, ',')} --> ${clock(s.end, ',')}\n${s.text}\n`)
        .join('\n');
  }
}
