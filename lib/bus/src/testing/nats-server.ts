import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface NatsServerHandle {
  /** nats://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** JetStream store directory (kept across restart and kill). */
  readonly storeDir: string;
  /** Graceful shutdown, then removes the store directory. */
  stop(): Promise<void>;
  /** SIGKILL, like a crash; the store directory stays so `restart` can recover from it. */
  kill(): void;
  /** Stops (if running) and starts again on the same port and store directory. */
  restart(): Promise<void>;
}

export interface NatsServerOptions {
  /** Binary to run (default: $NATS_SERVER_BIN, then `nats-server` on PATH, /usr/sbin, /usr/local/bin). */
  bin?: string;
  /** How long to wait for the server to accept connections (default 15 s). */
  readyTimeoutMs?: number;
}

function findBinary(explicit?: string): string {
  const candidates = [
    explicit,
    process.env.NATS_SERVER_BIN,
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => (dir ? join(dir, 'nats-server') : undefined)),
    '/usr/sbin/nats-server',
    '/usr/bin/nats-server',
    '/usr/local/bin/nats-server',
  ];
  for (const path of candidates) {
    if (!path) continue;
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // try the next one
    }
  }
  throw new Error('nats-server not found: install it or set NATS_SERVER_BIN');
}

/** A port that was free a moment ago (the OS picks it for a throwaway listener). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once the server greets a TCP client with its INFO line. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('data', (chunk) => done(chunk.toString().startsWith('INFO')));
    socket.once('error', () => done(false));
  });
}

/**
 * Starts a throwaway JetStream-enabled nats-server on 127.0.0.1 and a free port, for tests
 * (this package's contract suite and other packages' integration and end-to-end tests).
 */
export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const bin = findBinary(opts.bin);
  const readyTimeoutMs = opts.readyTimeoutMs ?? 15_000;
  const storeDir = await mkdtemp(join(tmpdir(), 'mi-nats-'));
  let port = 0;
  let child: ChildProcess | undefined;
  // Never leave a server behind when the test process exits without calling stop().
  const onExit = () => child?.kill('SIGKILL');
  process.on('exit', onExit);

  const launch = async (): Promise<void> => {
    const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir];
    const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let log = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4_000);
    });
    let exited: string | null = null;
    proc.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? code}`;
    });
    proc.once('error', (error) => {
      exited = error.message;
    });
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`nats-server ${exited}:\n${log}`);
      if (await greets(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    proc.kill('SIGKILL');
    throw new Error(`nats-server did not accept connections on port ${port} within ${readyTimeoutMs} ms:\n${log}`);
  };

  const terminate = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  };

  // Another process may grab the free port before the server binds it: retry with a new one.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (error) {
      await terminate();
      if (attempt >= 3) {
        process.off('exit', onExit);
        await rm(storeDir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    async stop() {
      await terminate();
      process.off('exit', onExit);
      await rm(storeDir, { recursive: true, force: true });
    },
    kill() {
      child?.kill('SIGKILL');
      child = undefined;
    },
    async restart() {
      await terminate();
      // The old process may still hold the port for a moment after exit; launch retries until ready.
      await launch();
    },
  };
}
