import type { TranscriberSettings } from './config.ts';
import { PocketsphinxEngine } from './engine/pocketsphinx.ts';

/** The configured ASR engine (one per process, shared by every stream and file job). */
export async function createAsrEngine(settings: TranscriberSettings): Promise<PocketsphinxEngine> {
  return PocketsphinxEngine.create({
    ...(settings.engineProcesses > 0 ? { processes: settings.engineProcesses } : {}),
    streamMode: settings.streamMode,
  });
}
