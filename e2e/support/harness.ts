import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appConfigFromEnv, type System, startSystem } from '@mi/app';
import { startNatsServer } from '@mi/bus/testing';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type Harness = {
  mode: 'embedded' | 'distributed';
  system: System;
  url: string;
  ingestUrl: string;
  /** Distributed only: the transcriber runs in its own process. */
  killTranscriber?: () => void;
  /** Distributed only: JSON log lines of the current transcriber process. */
  transcriberLogs?: () => Record<string, unknown>[];
  startTranscriber?: () => Promise<void>;
  stop(): Promise<void>;
};

const quiet = { LOG_LEVEL: 'warn' };

/**
 * Starts the product as a user would: embedded = one process with everything; distributed =
 * a real nats-server, gateway+ingest in this process, and the transcriber as a separate process.
 */
export async function startHarness(
  mode: 'embedded' | 'distributed',
  env: Record<string, string> = {},
): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mi-e2e-'));
  const base = { ...process.env, ...quiet, DATA_DIR: dataDir, PORT: '0', ...env };
  if (mode === 'embedded') {
    const system = await startSystem(appConfigFromEnv(base), base);
    return {
      mode,
      system,
      url: system.url!,
      ingestUrl: `ws${system.url!.slice(4)}/v1/ingest/audio`,
      async stop() {
        await system.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const nats = await startNatsServer();
  const distributed = { ...base, NATS_URL: nats.url };
  const system = await startSystem(appConfigFromEnv({ ...distributed, SERVICES: 'gateway,media-server' }), distributed);
  let child: ChildProcess | undefined;
  let logs: Record<string, unknown>[] = [];
  const startTranscriber = async () => {
    logs = [];
    child = spawn(process.execPath, ['--import', 'tsx', 'app/src/main.ts'], {
      cwd: repoRoot,
      env: { ...distributed, SERVICES: 'transcriber', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const proc = child;
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      proc.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const line of lines) {
          try {
            const entry = JSON.parse(line) as Record<string, unknown>;
            logs.push(entry);
            if (entry.msg === 'transcriber started') resolve();
          } catch {
            // not a log line
          }
        }
      });
      proc.on('exit', (code) => reject(new Error(`transcriber exited with ${code}`)));
    });
  };
  await startTranscriber();
  return {
    mode,
    system,
    url: system.url!,
    ingestUrl: `ws${system.url!.slice(4)}/v1/ingest/audio`,
    killTranscriber: () => child?.kill('SIGKILL'),
    transcriberLogs: () => logs,
    startTranscriber,
    async stop() {
      child?.kill('SIGTERM');
      await system.close();
      await nats.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
