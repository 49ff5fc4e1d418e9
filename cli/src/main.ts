import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type CaptionMode, type TranscriptFormat, transcriptFormats } from '@mi/contracts';
import { clipCommand } from './clip.ts';
import { type KeyframeFormat, keyframeFormats, keyframesCommand } from './keyframes.ts';
import { renderSummaryText, summarizeFile } from './summarize.ts';
import { transcribeCommand } from './transcribe.ts';

const usage = `usage:
  pnpm cli transcribe <audio-or-video-file> [--format text|json|vtt|srt] [--quiet]
  pnpm cli summarize <audio-video-or-transcript.json> [--format json|text] [--date YYYY-MM-DD] [--quiet]
  pnpm cli keyframes <video-file> [--format text|json] [--quiet]
  pnpm cli clip <video-file> --out <dir> [--highlights N] [--captions attach|burn|none] [--vertical] [--quiet]`;

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
      out: { type: 'string' },
      highlights: { type: 'string', default: '5' },
      captions: { type: 'string', default: 'attach' },
      vertical: { type: 'boolean', default: false },
      help: { type: 'boolean' },
    },
  });
  const [command, file] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (!['transcribe', 'summarize', 'keyframes', 'clip'].includes(command))
    fail(`unknown command "${command}"\n${usage}`, 2);
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
  if (command === 'clip') {
    if (!values.out) fail(`clip needs --out <dir>\n${usage}`, 2);
    const highlights = Number(values.highlights);
    if (!Number.isInteger(highlights) || highlights < 1 || highlights > 20) fail('--highlights must be 1-20', 2);
    const captions = values.captions as CaptionMode;
    if (!['attach', 'burn', 'none'].includes(captions)) fail('--captions must be attach, burn or none', 2);
    const out = resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
    const done = await clipCommand(path, {
      out,
      highlights,
      captions,
      vertical: values.vertical ?? false,
      quiet: values.quiet ?? false,
    });
    process.stdout.write(`${done.clips} clips and edl.json in ${out}\n`);
    return;
  }
  if (command === 'keyframes') {
    const format = values.format as KeyframeFormat;
    if (!keyframeFormats.includes(format))
      fail(`unknown format "${format}" (expected ${keyframeFormats.join(', ')})`, 2);
    await keyframesCommand(path, format, values.quiet ?? false);
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
