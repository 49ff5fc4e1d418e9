import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type TranscriptFormat, transcriptFormats } from '@mi/contracts';
import { transcribeCommand } from './transcribe.ts';

const usage = `usage: pnpm cli transcribe <audio-or-video-file> [--format text|json|vtt|srt] [--quiet]`;

/** Exits non-zero with one line on stderr; no stack traces for user errors. */
function fail(message: string, code = 1): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'text' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean' },
    },
  });
  const [command, file] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (command !== 'transcribe') fail(`unknown command "${command}"\n${usage}`, 2);
  if (!file) fail(`missing file\n${usage}`, 2);
  const format = values.format as TranscriptFormat;
  if (!transcriptFormats.includes(format))
    fail(`unknown format "${format}" (expected ${transcriptFormats.join(', ')})`, 2);
  // pnpm runs scripts from the repository root; resolve paths against where the user typed the command.
  await transcribeCommand(resolve(process.env.INIT_CWD ?? process.cwd(), file), format, values.quiet ?? false);
}

main(process.argv.slice(2)).catch((err: Error & { code?: string }) => {
  fail(err.code ? `${err.code}: ${err.message}` : err.message);
});
