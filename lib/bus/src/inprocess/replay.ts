import { subjectMatcher } from '../subject-match.ts';
import type { ReplayOptions, StoredMessage } from '../types.ts';
import { type StreamLog, startSeqOf, toStoredMessage } from './stream-log.ts';

/**
 * An ordered reader over a stream log: stored messages from the start position, each awaited,
 * then (when live) every later append, with no gap or reordering between the two phases because
 * both read the same log by sequence.
 */
export function startReplay(
  log: StreamLog,
  opts: ReplayOptions,
  handler: (msg: StoredMessage) => void | Promise<void>,
  onError: (error: unknown) => void,
): { stop(): void; done: Promise<void> } {
  const matches = opts.filterSubject ? subjectMatcher(opts.filterSubject) : () => true;
  const end = (opts.live ?? true) ? Number.POSITIVE_INFINITY : log.lastSeq;
  let cursor = startSeqOf(log, opts.from);
  let stopped = false;
  let wake: (() => void) | undefined;
  const wakeUp = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const unlisten = log.onAppend(wakeUp);
  const done = (async () => {
    await Promise.resolve(); // asynchronous from the start, like a NATS consumer
    while (!stopped) {
      cursor = Math.max(cursor, log.firstSeq);
      if (cursor > end) break;
      if (cursor > log.lastSeq) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      const record = log.get(cursor++);
      if (!record || !matches(record.subject)) continue;
      try {
        await handler(toStoredMessage(record));
      } catch (error) {
        onError(error);
      }
    }
    unlisten();
  })();
  return {
    stop: () => {
      stopped = true;
      wakeUp();
    },
    done,
  };
}
