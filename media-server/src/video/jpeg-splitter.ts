export interface JpegImage {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * Splits a byte stream of concatenated JPEG images (ffmpeg image2pipe/mjpeg) by walking the
 * markers: a 0xFFD9 inside a segment or the entropy-coded data must not end an image early.
 */
export class JpegSplitter {
  #buf: Buffer = Buffer.alloc(0);
  #pos = 0;
  #inScan = false;
  #width = 0;
  #height = 0;

  push(chunk: Buffer): JpegImage[] {
    this.#buf = this.#buf.length > 0 ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: JpegImage[] = [];
    for (;;) {
      const img = this.#next();
      if (!img) return out;
      out.push(img);
    }
  }

  #reset(from: number): void {
    this.#buf = this.#buf.subarray(from);
    this.#pos = 0;
    this.#inScan = false;
    this.#width = 0;
    this.#height = 0;
  }

  #next(): JpegImage | undefined {
    if (this.#pos === 0) {
      const soi = findStartOfImage(this.#buf);
      if (soi < 0) {
        this.#reset(Math.max(0, this.#buf.length - 1));
        return undefined;
      }
      this.#reset(soi);
      this.#pos = 2;
    }
    const b = this.#buf;
    for (;;) {
      if (this.#inScan) {
        // entropy-coded data: stuffed 0xFF00, restart markers and fill bytes do not end it
        let i = this.#pos;
        for (; i + 1 < b.length; i++) {
          if (b[i] !== 0xff) continue;
          const m = b[i + 1]!;
          if (m === 0x00 || (m >= 0xd0 && m <= 0xd7) || m === 0xff) continue;
          break;
        }
        if (i + 1 >= b.length) {
          this.#pos = Math.max(this.#pos, b.length - 1);
          return undefined;
        }
        this.#pos = i;
        this.#inScan = false;
      }
      const pos = this.#pos;
      if (pos + 2 > b.length) return undefined;
      if (b[pos] !== 0xff) {
        // lost sync: look for the next image
        this.#reset(pos);
        return this.#next();
      }
      const m = b[pos + 1]!;
      if (m === 0xff) {
        this.#pos++;
        continue;
      }
      if (m === 0xd9) {
        const end = pos + 2;
        const img = { data: Buffer.from(b.subarray(0, end)), width: this.#width, height: this.#height };
        this.#reset(end);
        return img;
      }
      if ((m >= 0xd0 && m <= 0xd7) || m === 0x01 || m === 0xd8) {
        this.#pos += 2;
        continue;
      }
      if (pos + 4 > b.length) return undefined;
      const len = b.readUInt16BE(pos + 2);
      if (pos + 2 + len > b.length) return undefined;
      // SOFn (not DHT, JPG, DAC) carries the frame size
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc && len >= 7) {
        this.#height = b.readUInt16BE(pos + 5);
        this.#width = b.readUInt16BE(pos + 7);
      }
      this.#pos = pos + 2 + len;
      if (m === 0xda) this.#inScan = true;
    }
  }
}

function findStartOfImage(b: Buffer): number {
  let i = b.indexOf(0xff);
  while (i >= 0 && i + 1 < b.length) {
    if (b[i + 1] === 0xd8) return i;
    i = b.indexOf(0xff, i + 1);
  }
  return -1;
}
