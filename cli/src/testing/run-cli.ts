import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Runs the CLI as `pnpm cli` does (tsx, or pnpm itself), returning the exit code and both streams. */
export async function runCli(args: string[], viaPnpm = false) {
  const [cmd, argv] = viaPnpm
    ? ['pnpm', ['cli', ...args]]
    : [process.execPath, ['--import', 'tsx', 'cli/src/main.ts', ...args]];
  try {
    const { stdout, stderr } = await run(cmd, argv, { cwd: repoRoot, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
