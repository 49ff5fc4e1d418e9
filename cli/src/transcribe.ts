import { renderTranscript, type TranscriptFormat } from '@mi/contracts';
import { createAsrEngine, SileroVad, transcribeFile, transcriberConfigFromEnv } from '@mi/transcriber';
import { formatEta, ProgressBar } from './progress-bar.ts';

/** `transcribe <file> --format text|json|vtt|srt`: offline, same VAD and engine as the live path. */
export async function transcribeCommand(file: string, format: TranscriptFormat, quiet: boolean): Promise<void> {
  const settings = transcriberConfigFromEnv();
  const vad = await SileroVad.create();
  const engine = await createAsrEngine(settings, 'batch');
  const bar = quiet ? undefined : new ProgressBar('transcribing');
  try {
    const result = await transcribeFile(file, {
      vad,
      engine,
      segmenter: settings,
      onProgress: (p) => bar?.update(p.percent, `${p.stage} ${formatEta(p.etaMs)}`),
    });
    bar?.done();
    const json = {
      file,
      durationMs: result.durationMs,
      engine: engine.info,
      segments: result.segments,
      text: result.segments.map((s) => s.text).join(' '),
    };
    process.stdout.write(renderTranscript(result.segments, format, json));
  } finally {
    await engine.close();
    await vad.close();
  }
}
