import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second (USER_HZ), 100 on every Linux build that matters here. */
const CLK_TCK = 100;

/** User + system CPU seconds of a process from /proc/PID/stat, or undefined (not Linux, or gone). */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // the command name may contain spaces: fields are counted after its closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / CLK_TCK : undefined;
  } catch {
    return undefined;
  }
}
