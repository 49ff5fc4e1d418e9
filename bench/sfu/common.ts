import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { quantiles } from '@mi/telemetry';
import { repoRoot } from '../support/server.ts';

export { repoRoot };

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (utime + stime) of one process so far, from /proc/<pid>/stat; NaN once it is gone. */
export function pidCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds used by this Node process (all its threads). */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Machine-wide busy CPU seconds (all cores) from /proc/stat, to show contention. */
export function hostBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return (v.reduce((a, b) => a + b, 0) - idle) / TICKS;
}

export function machine() {
  const c = cpus();
  return { cpus: c.length, model: c[0]?.model, node: process.version };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function roundQ(q: ReturnType<typeof quantiles>) {
  return { p50: Math.round(q.p50), p95: Math.round(q.p95), p99: Math.round(q.p99), mean: Math.round(q.mean), n: q.n };
}
export const q = (values: number[]) => roundQ(quantiles(values));

export const fix = (x: number, digits = 3) => (Number.isFinite(x) ? +x.toFixed(digits) : null);

/** Least-squares y = a + b x. */
export function linearFit(xs: number[], ys: number[]): { intercept: number; slope: number; r2: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  const slope = sxy / sxx;
  return { intercept: my - slope * mx, slope, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

export const execFileP = promisify(execFile);

/** Runs ffmpeg to completion (for preparing inputs); throws with its stderr on failure. */
export async function ffmpeg(args: string[]): Promise<void> {
  await execFileP('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { maxBuffer: 1 << 24 });
}

/** A long-running ffmpeg (e.g. an RTP sender), stopped with `stop()`. */
export function spawnFfmpeg(args: string[]): { proc: ChildProcess; stop(): Promise<void>; stderr(): string } {
  const proc = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    stderr: () => err,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGINT');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** True when this module is the script node was started with. */
export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(metaUrl) === process.argv[1];
}

export function writeResult(name: string, report: unknown): string {
  const out = JSON.stringify(report, null, 2);
  mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench/results', name), `${out}\n`);
  return out;
}
