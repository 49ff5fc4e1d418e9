import type { Logger } from '@mi/telemetry';

/** While no frame has decoded yet, ask this often: the tap is useless until a key frame arrives. */
const UNTIL_FIRST_FRAME_MS = 1000;
/** Decode errors come in bursts; one request per burst is enough. */
const AFTER_ERROR_GAP_MS = 2000;

/**
 * Asks the sender for key frames: every second until the first frame decodes, then every
 * `everyMs` (seek points for the recording), and after decode errors. One request at a time.
 */
export class KeyFrameRequester {
  /** Requests made. */
  count = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight = false;
  #last = 0;

  constructor(
    private readonly opts: {
      request: (() => Promise<void>) | undefined;
      /** 0 = only until the first frame and on errors. */
      everyMs: number;
      log: Logger;
    },
  ) {}

  /** Requests one now and starts the timer; `phase` says whether to ask at all and how often. */
  start(phase: () => 'waiting-for-frames' | 'frames-flowing' | 'stopped'): void {
    this.request();
    this.#timer = setInterval(() => {
      const p = phase();
      if (p === 'stopped') return;
      const every = p === 'waiting-for-frames' ? UNTIL_FIRST_FRAME_MS : this.opts.everyMs;
      // 50 ms early: the interval timer drifts, and a skipped tick would double the gap
      if (every > 0 && Date.now() - this.#last >= every - 50) this.request();
    }, 1000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  afterDecodeError(): void {
    if (Date.now() - this.#last > AFTER_ERROR_GAP_MS) this.request();
  }

  request(): void {
    const fn = this.opts.request;
    if (!fn || this.#inFlight) return;
    this.#inFlight = true;
    this.#last = Date.now();
    this.count++;
    Promise.resolve()
      .then(fn)
      .catch((err) => this.opts.log.debug({ err }, 'video tap: key frame request failed'))
      .finally(() => {
        this.#inFlight = false;
      });
  }
}
