import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium; browser tests skip (with a warning) when it is missing. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/**
 * Headless Chromium for tests and benchmarks. With `fakeAudio`, the fake microphone plays that
 * WAV (append `%noloop` to play it once) and the fake camera shows Chrome's test pattern.
 */
export function launchChromium(opts: { fakeAudio?: string } = {}): Promise<Browser> {
  const media = opts.fakeAudio
    ? [
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${opts.fakeAudio}`,
        '--autoplay-policy=no-user-gesture-required',
      ]
    : [];
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...media,
    ],
  });
}
