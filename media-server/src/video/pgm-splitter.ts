/** Splits concatenated binary PGM (P5) images, as ffmpeg's image2pipe/pgm writes them. */
export class PgmSplitter {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.#buf = this.#buf.length > 0 ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      const head = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(this.#buf.subarray(0, 64).toString('latin1'));
      if (!head) {
        if (this.#buf.length >= 64) {
          // lost sync: skip to the next header
          const next = this.#buf.indexOf('P5', 1, 'latin1');
          this.#buf = next < 0 ? Buffer.alloc(0) : this.#buf.subarray(next);
          continue;
        }
        return out;
      }
      const bytesPerSample = Number(head[3]) > 255 ? 2 : 1;
      const total = head[0].length + Number(head[1]) * Number(head[2]) * bytesPerSample;
      if (this.#buf.length < total) return out;
      out.push(Buffer.from(this.#buf.subarray(0, total)));
      this.#buf = this.#buf.subarray(total);
    }
  }
}
