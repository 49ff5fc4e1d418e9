import { readFile } from 'node:fs/promises';
import { recognizeText, type TesseractOptions } from '@mi/ocr';
import { cancelledError } from './run-scene-pass.ts';

export type OcrFramesOptions = TesseractOptions & {
  /** Tesseract processes at once (each single-threaded). */
  concurrency: number;
  signal?: AbortSignal;
};

/**
 * Text of each image file, in order (undefined where tesseract finds none). A failing image
 * gets no text rather than failing the whole extraction; aborting rejects with ERR_CANCELLED
 * (the few tesseract runs under way finish on their own).
 */
export async function ocrFrames(files: string[], o: OcrFramesOptions): Promise<(string | undefined)[]> {
  const texts: (string | undefined)[] = new Array(files.length).fill(undefined);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      if (o.signal?.aborted) throw cancelledError();
      const i = next++;
      const result = await readFile(files[i]!)
        .then((image) => recognizeText(image, o))
        .catch(() => undefined);
      texts[i] = result?.text;
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(o.concurrency, files.length)) }, worker);
  await abortable(Promise.all(workers), o.signal);
  return texts;
}

function abortable<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(cancelledError());
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
