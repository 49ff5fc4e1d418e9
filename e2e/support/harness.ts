import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appConfigFromEnv, type System, startSystem } from '@mi/app';
import { freePort, startNatsServer } from '@mi/bus/testing';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A service running in its own process (distributed mode), which tests may kill and restart. */
export type ChildService = {
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
  /** JSON log lines of the current process. */
  logs(): Record<string, unknown>[];
};

export type Harness = {
  mode: 'embedded' | 'distributed';
  system: System;
  url: string;
  ingestUrl: string;
  natsUrl?: string;
  /** Distributed only: the services started as child processes, by name. */
  children: Record<string, ChildService>;
  /** Distributed only: the transcriber runs in its own process. */
  killTranscriber?: () => void;
  transcriberLogs?: () => Record<string, unknown>[];
  startTranscriber?: () => Promise<void>;
  stop(): Promise<void>;
};

const quiet = { LOG_LEVEL: 'warn' };
const startedMessage: Record<string, string> = {
  transcriber: 'transcriber started',
  summarizer: 'summarizer started',
  'media-server': 'mediaintel started',
  clipper: 'clipper started',
};

function childService(name: string, env: NodeJS.ProcessEnv): ChildService {
  let child: ChildProcess | undefined;
  let logs: Record<string, unknown>[] = [];
  return {
    logs: () => logs,
    kill: (signal = 'SIGKILL') => child?.kill(signal),
    start: async () => {
      logs = [];
      child = spawn(process.execPath, ['--import', 'tsx', 'app/src/main.ts'], {
        cwd: repoRoot,
        env: { ...env, SERVICES: name, LOG_LEVEL: 'info' },
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
              if (entry.msg === startedMessage[name]) resolve();
            } catch {
              // not a log line
            }
          }
        });
        proc.on('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
      });
    },
  };
}

/**
 * Starts the product as a user would: embedded = one process with everything; distributed = a real
 * nats-server, the other services in this process, and `childServices` (default the transcriber)
 * each as a separate process.
 */
export async function startHarness(
  mode: 'embedded' | 'distributed',
  env: Record<string, string> = {},
  opts: { childServices?: string[]; inProcess?: string } = {},
): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mi-e2e-'));
  // A known port rather than 0: presigned URLs of the local store are signed with it.
  const base = { ...process.env, ...quiet, DATA_DIR: dataDir, PORT: String(await freePort()), ...env };
  if (mode === 'embedded') {
    const system = await startSystem(appConfigFromEnv(base), base);
    return {
      mode,
      system,
      url: system.url!,
      ingestUrl: `ws${system.url!.slice(4)}/v1/ingest/audio`,
      children: {},
      async stop() {
        await system.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const nats = await startNatsServer();
  const distributed = { ...base, NATS_URL: nats.url };
  const childNames = opts.childServices ?? ['transcriber'];
  const inProcess = opts.inProcess ?? 'gateway,media-server';
  const system = await startSystem(appConfigFromEnv({ ...distributed, SERVICES: inProcess }), distributed);
  const children = Object.fromEntries(childNames.map((n) => [n, childService(n, distributed)]));
  for (const c of Object.values(children)) await c.start();
  const transcriber = children.transcriber;
  return {
    mode,
    system,
    url: system.url!,
    ingestUrl: `ws${system.url!.slice(4)}/v1/ingest/audio`,
    natsUrl: nats.url,
    children,
    ...(transcriber
      ? {
          killTranscriber: () => transcriber.kill(),
          transcriberLogs: () => transcriber.logs(),
          startTranscriber: () => transcriber.start(),
        }
      : {}),
    async stop() {
      for (const c of Object.values(children)) c.kill('SIGTERM');
      await system.close();
      await nats.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
