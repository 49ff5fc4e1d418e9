import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type TranscriptFormat, transcriptFormats } from '@mi/contracts';
import { renderSummaryText, summarizeFile } from './summarize.ts';
import { transcribeCommand } from './transcribe.ts';

const usage = `usage:
  pnpm cli transcribe <audio-or-video-file> [--format text|json|vtt|srt] [--quiet]
  pnpm cli summarize <audio-video-or-transcript.json> [--format json|text] [--date YYYY-MM-DD] [--quiet]`;

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
      date: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const [command, file] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (command !== 'transcribe' && command !== 'summarize') fail(`unknown command "${command}"\n${usage}`, 2);
  if (!file) fail(`missing file\n${usage}`, 2);
  // pnpm runs scripts from the repository root; resolve paths against where the user typed the command.
  const path = resolve(process.env.INIT_CWD ?? process.cwd(), file);
  if (command === 'summarize') {
    // JSON unless asked otherwise (the shared --format default is transcribe's "text").
    const explicit = argv.some((a) => a === '--format' || a.startsWith('--format='));
    const format = explicit ? values.format : 'json';
    if (format !== 'json' && format !== 'text') fail(`unknown format "${format}" (expected json, text)`, 2);
    if (values.date && !/^\d{4}-\d{2}-\d{2}$/.test(values.date)) fail('--date must be YYYY-MM-DD', 2);
    const out = await summarizeFile(path, {
      ...(values.date ? { date: values.date } : {}),
      quiet: values.quiet ?? false,
    });
    process.stdout.write(format === 'json' ? `${JSON.stringify(out, null, 2)}\n` : renderSummaryText(out));
    return;
  }
  const format = values.format as TranscriptFormat;
  if (!transcriptFormats.includes(format))
    fail(`unknown format "${format}" (expected ${transcriptFormats.join(', ')})`, 2);
  await transcribeCommand(path, format, values.quiet ?? false);
}

main(process.argv.slice(2)).catch((err: Error & { code?: string }) => {
  fail(err.code ? `${err.code}: ${err.message}` : err.message);
});
