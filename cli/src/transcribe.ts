import { renderTranscript, type TranscriptFormat } from '@mi/contracts';
import {
  type AsrEngineInfo,
  createAsrEngine,
  type FileSegment,
  SileroVad,
  transcribeFile,
  transcriberConfigFromEnv,
} from '@mi/transcriber';
import { formatEta, ProgressBar } from './progress-bar.ts';

/** Offline transcription with the live path's VAD and engine, a progress bar on stderr unless quiet. */
export async function transcribeWithProgress(
  file: string,
  quiet: boolean,
): Promise<{ durationMs: number; segments: FileSegment[]; engine: AsrEngineInfo }> {
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
    return { ...result, engine: engine.info };
  } finally {
    await engine.close();
    await vad.close();
  }
}

/** `transcribe <file> --format text|json|vtt|srt`. */
export async function transcribeCommand(file: string, format: TranscriptFormat, quiet: boolean): Promise<void> {
  const result = await transcribeWithProgress(file, quiet);
  const json = {
    file,
    durationMs: result.durationMs,
    engine: result.engine,
    segments: result.segments,
    text: result.segments.map((s) => s.text).join(' '),
  };
  process.stdout.write(renderTranscript(result.segments, format, json));
}
