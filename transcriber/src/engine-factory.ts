import type { TranscriberSettings } from './config.ts';
import { PocketsphinxEngine } from './engine/pocketsphinx.ts';

/**
 * The configured ASR engine, one per process. `live` tunes the search for real-time streams;
 * `batch` keeps the engine's default search (identical to pocketsphinx_batch) for files.
 */
export async function createAsrEngine(
  settings: TranscriberSettings,
  purpose: 'live' | 'batch',
): Promise<PocketsphinxEngine> {
  const live = purpose === 'live' && settings.liveMaxHmmPerFrame > 0;
  return PocketsphinxEngine.create({
    ...(settings.engineProcesses > 0 ? { processes: settings.engineProcesses } : {}),
    streamMode: settings.streamMode,
    ...(live ? { decoderArgs: ['-maxhmmpf', String(settings.liveMaxHmmPerFrame)] } : {}),
  });
}
