import { detectScenes } from '@mi/clipper';
import type { SceneChange } from '@mi/contracts';
import { ProgressBar } from './progress-bar.ts';

export const keyframeFormats = ['json', 'text'] as const;
export type KeyframeFormat = (typeof keyframeFormats)[number];

/** `00:00:08.880` */
function clock(ms: number): string {
  const t = Math.round(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(t / 3_600_000))}:${pad(Math.floor(t / 60_000) % 60)}:${pad(Math.floor(t / 1000) % 60)}.${pad(t % 1000, 3)}`;
}

/** One line a scene: time, score and its OCR text on one line (`00:00:08.880  0.38  Product Plan`). */
export function renderScenesText(scenes: readonly SceneChange[]): string {
  return scenes
    .map((s) => [clock(s.at), s.score.toFixed(2), (s.text ?? '').split('\n').join(' / ')].join('  ').trimEnd())
    .map((line) => `${line}\n`)
    .join('');
}

/** `keyframes <video> --format json|text`: scene changes with OCR text, progress on stderr unless quiet. */
export async function keyframesCommand(file: string, format: KeyframeFormat, quiet: boolean): Promise<void> {
  const bar = quiet ? undefined : new ProgressBar('key frames');
  const scenes = await detectScenes(file, { ocr: true, onProgress: (f) => bar?.update(f * 100) });
  bar?.done();
  const out = scenes.map(({ at, score, reason, text }) => ({ at, score, reason, ...(text ? { text } : {}) }));
  process.stdout.write(format === 'json' ? `${JSON.stringify(out, null, 2)}\n` : renderScenesText(out));
}
