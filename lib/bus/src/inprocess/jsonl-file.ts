import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';

/** Compaction runs once this many lines were appended and the file at least doubled. */
const minLinesBeforeCompaction = 10_000;

/**
 * Append-only JSON-lines file for the embedded bus. Writes are synchronous `write(2)` calls on an
 * open descriptor: no buffering in the process, so a crash loses nothing already written, and
 * nothing has to be flushed on close. The file is compacted when opened and again whenever it has
 * doubled, so a long-running process does not grow it without bound.
 */
export class JsonlFile {
  private fd: number | null = null;
  private appended = 0;
  private kept = 0;

  private constructor(
    readonly path: string,
    private readonly compactor: (records: unknown[]) => unknown[],
  ) {}

  /**
   * Reads every record (a torn last line from a crash is skipped), lets `compact` reduce them to
   * what still matters, rewrites the file with those and opens it for appending.
   */
  static open(path: string, compact: (records: unknown[]) => unknown[]): JsonlFile {
    const file = new JsonlFile(path, compact);
    file.rewrite();
    return file;
  }

  append(record: unknown): void {
    if (this.fd === null) return;
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    if (++this.appended > Math.max(minLinesBeforeCompaction, this.kept)) this.rewrite();
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }

  private rewrite(): void {
    this.close();
    const records: unknown[] = [];
    if (existsSync(this.path)) {
      for (const line of readFileSync(this.path, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          records.push(JSON.parse(line));
        } catch {
          // Partial line from an interrupted write: the record was never acknowledged.
        }
      }
    }
    const kept = this.compactor(records);
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    renameSync(tmp, this.path);
    this.kept = kept.length;
    this.appended = 0;
    this.fd = openSync(this.path, 'a');
  }
}

export const toBase64 = (data: Uint8Array): string => Buffer.from(data).toString('base64');
export const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));
