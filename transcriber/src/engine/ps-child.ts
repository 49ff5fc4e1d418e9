// One ps-server process: framing, FIFO matching of responses, and death reporting.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import {
  encodeHeader,
  type Frame,
  FrameReader,
  MAX_AUDIO_FRAME_BYTES,
  Op,
  type OpCode,
  type PsReady,
  parseJsonObject,
} from './ps-protocol.ts';

export type PsChildOptions = {
  binary: string;
  args: string[];
  readyTimeoutMs: number;
  /** Receives the helper's stderr, line by line. */
  onStderr: (line: string) => void;
};

type Waiter = { op: number; sid: number; resolve: (f: Frame) => void; reject: (e: Error) => void };

export class PsChild {
  readonly ready: Promise<PsReady>;
  readonly exited: Promise<Error>;
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #waiters: Waiter[] = [];
  #death: Error | undefined;
  #isReady = false;
  #stopping = false;
  #rejectReady: (e: Error) => void = () => {};

  constructor(opts: PsChildOptions) {
    this.#proc = spawn(opts.binary, opts.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const proc = this.#proc;
    let onReady: (r: PsReady) => void = () => {};
    this.ready = new Promise<PsReady>((resolve, reject) => {
      onReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {}); // callers that never await it learn about failures from requests
    let onExit: (e: Error) => void = () => {};
    this.exited = new Promise<Error>((resolve) => {
      onExit = resolve;
    });

    const timer = setTimeout(() => {
      this.#fail(new Error(`ps-server did not become ready within ${opts.readyTimeoutMs} ms`));
    }, opts.readyTimeoutMs);
    timer.unref();

    const reader = new FrameReader();
    proc.stdout.on('data', (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        if (!this.#isReady) {
          if (f.op !== Op.ready) return this.#fail(new Error(`ps-server sent op ${f.op} before READY`));
          this.#isReady = true;
          clearTimeout(timer);
          try {
            onReady(parseJsonObject(f.payload) as PsReady);
          } catch (e) {
            this.#fail(e instanceof Error ? e : new Error(String(e)));
          }
          continue;
        }
        const w = this.#waiters.shift();
        if (!w || w.op !== f.op || w.sid !== f.sid) {
          return this.#fail(
            new Error(`ps-server protocol error: got op ${f.op} sid ${f.sid}, expected ${w?.op}/${w?.sid}`),
          );
        }
        if (f.status === 0) w.resolve(f);
        else w.reject(new Error(`pocketsphinx: ${f.payload.toString('utf8')}`));
      }
    });

    let partialLine = '';
    const recent: string[] = []; // start-up errors, quoted when the process dies before READY
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (s: string) => {
      const lines = (partialLine + s).split('\n');
      partialLine = lines.pop() ?? '';
      for (const l of lines) {
        if (!l.trim()) continue;
        opts.onStderr(l);
        if (!this.#isReady) recent.push(l.slice(0, 200));
        if (recent.length > 3) recent.shift();
      }
    });
    // EPIPE after the child died is reported through 'exit'; don't let it throw.
    proc.stdin.on('error', () => {});
    proc.on('error', (e) => {
      this.#fail(new Error(`ps-server could not run (${opts.binary}): ${e.message}`));
      if (proc.pid === undefined) onExit(this.#death!); // never started: there will be no 'exit'
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      const why = !this.#isReady && recent.length ? ` (${recent.join(' | ')})` : '';
      const how = `${signal ? `signal ${signal}` : `exit code ${code}`}${why}`;
      this.#fail(
        this.#stopping
          ? new Error('pocketsphinx engine closed')
          : new Error(`pocketsphinx helper (pid ${proc.pid}) died: ${how}`),
      );
      onExit(this.#death!);
    });
  }

  /** The READY handshake arrived (and the process may since have died: see death). */
  get isReady(): boolean {
    return this.#isReady;
  }

  get pid(): number | undefined {
    return this.#proc.pid;
  }

  /** Set once the process is gone or unusable; every later call rejects with it. */
  get death(): Error | undefined {
    return this.#death;
  }

  /** Fire-and-forget frame (AUDIO), split to respect the server's frame limit. */
  sendAudio(sid: number, bytes: Buffer): void {
    if (this.#death) return;
    for (let off = 0; off < bytes.length; off += MAX_AUDIO_FRAME_BYTES) {
      const part = bytes.subarray(off, off + MAX_AUDIO_FRAME_BYTES);
      this.#proc.stdin.write(encodeHeader(Op.audio, sid, 0, part.length));
      this.#proc.stdin.write(part);
    }
  }

  /** A request with exactly one response; pipelined behind everything written before it. */
  request(op: OpCode, sid: number, flags = 0, payload?: Buffer): Promise<Frame> {
    if (this.#death) return Promise.reject(this.#death);
    const p = new Promise<Frame>((resolve, reject) => this.#waiters.push({ op, sid, resolve, reject }));
    this.#proc.stdin.write(encodeHeader(op, sid, flags, payload?.length ?? 0));
    if (payload?.length) this.#proc.stdin.write(payload);
    return p;
  }

  /** Asks the helper to exit (stdin EOF) and waits; kills it if it does not go in time. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.#proc.pid === undefined || this.#proc.exitCode !== null || this.#proc.signalCode !== null) return;
    this.#stopping = true;
    this.#proc.stdin.end();
    const t = setTimeout(() => this.#proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.#proc.kill(signal);
  }

  #fail(e: Error): void {
    if (!this.#death) {
      this.#death = e;
      if (!this.#isReady) this.#rejectReady(e);
      // Protocol/handshake failures leave a live process behind: make sure it goes.
      if (this.#proc.exitCode === null && this.#proc.signalCode === null) this.#proc.kill('SIGKILL');
    }
    for (const w of this.#waiters.splice(0)) w.reject(this.#death);
  }
}
