import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Logger } from '@mi/telemetry';
import { onLines } from './ffmpeg-output.ts';
import { sendRtcpBye } from './rtcp.ts';
import type { TapAddress } from './types.ts';
import { waitForUdpPorts } from './udp-ports-bound.ts';

export interface SpawnRtpFfmpegOptions {
  path: string;
  args: string[];
  /** Written to stdin: the session description of the RTP input. */
  sdp: string;
  /** stdio entries from fd 3 on. */
  extraStdio: ('pipe' | 'ignore')[];
  /** The ports ffmpeg must bind before the sender may start. */
  ports: number[];
  onStderr: (line: string) => void;
  /** The stderr lines so far, for the error when ffmpeg does not start (and cleared). */
  takeStderr: () => string[];
}

/** Spawns ffmpeg; resolves once it listens on the ports, or kills it and rejects when it exits first or never binds. */
export async function spawnRtpFfmpeg(o: SpawnRtpFfmpegOptions): Promise<ChildProcess> {
  const child = spawn(o.path, o.args, { stdio: ['pipe', 'pipe', 'pipe', ...o.extraStdio] });
  let exitedEarly: ((err: Error) => void) | undefined;
  const early = new Promise<never>((_, reject) => {
    exitedEarly = reject;
  });
  early.catch(() => undefined);
  child.once('error', (err) => exitedEarly?.(err));
  child.once('exit', (code, signal) => exitedEarly?.(new Error(`ffmpeg exited at start (${code ?? signal})`)));
  onLines(child.stderr as Readable, o.onStderr);
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(o.sdp);
  try {
    await Promise.race([early, waitForUdpPorts(o.ports, 5000)]);
  } catch (err) {
    child.kill('SIGKILL');
    const tail = o.takeStderr().join(' | ');
    throw tail
      ? Object.assign(new Error(`${(err as Error).message}: ${tail}`), { code: (err as NodeJS.ErrnoException).code })
      : err;
  } finally {
    exitedEarly = undefined;
  }
  return child;
}

/**
 * Ends ffmpeg: RTCP BYE first (it ends the input, so every output is finalised: the recording
 * gets its Duration and Cues), then SIGINT, then SIGKILL for a process that hangs.
 */
export async function stopRtpFfmpeg(
  child: ChildProcess,
  o: { address: TapAddress | undefined; timeoutMs: number; log: Logger },
): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const waitExit = (ms: number) =>
    Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
  if (o.address) await sendRtcpBye(o.address).catch(() => undefined);
  if (await waitExit(o.timeoutMs)) return;
  o.log.warn('video tap: ffmpeg ignored RTCP BYE; sending SIGINT');
  child.kill('SIGINT');
  if (await waitExit(3000)) return;
  o.log.warn('video tap: ffmpeg ignored SIGINT; killing it');
  child.kill('SIGKILL');
  await waitExit(3000);
}
