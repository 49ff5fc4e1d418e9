import { describe, expect, it } from 'vitest';
import { mediaTypeAllowed, sanitizeFilename } from './media-types.ts';
import { partSizeFor } from './presigned-upload.ts';

const allowed = ['video/*', 'audio/*'];
const MiB = 1024 * 1024;

describe('media types', () => {
  it('lets audio and video through, and untyped files only with a media extension', () => {
    expect(mediaTypeAllowed('video/mp4', 'talk.mp4', allowed)).toBe(true);
    expect(mediaTypeAllowed('Audio/MPEG; charset=binary', 'talk', allowed)).toBe(true);
    expect(mediaTypeAllowed('application/octet-stream', 'Talk.MKV', allowed)).toBe(true);
    expect(mediaTypeAllowed('application/octet-stream', 'notes.txt', allowed)).toBe(false);
    expect(mediaTypeAllowed('application/octet-stream', 'mp4', allowed)).toBe(false);
    expect(mediaTypeAllowed('text/plain', 'talk.mp4', allowed)).toBe(false);
    expect(mediaTypeAllowed('videos/mp4', 'talk.mp4', allowed)).toBe(false);
    expect(mediaTypeAllowed('video/webm', 'a.webm', ['video/mp4'])).toBe(false);
    expect(mediaTypeAllowed('video/mp4', 'a.mp4', ['video/mp4'])).toBe(true);
  });
});

describe('sanitizeFilename', () => {
  it('keeps the base name in safe ASCII', () => {
    expect(sanitizeFilename('Q3 Webinar (final).mp4')).toBe('Q3_Webinar_final_.mp4');
    expect(sanitizeFilename('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFilename('C:\\Users\\me\\Vidéo été.mov')).toBe('Video_ete.mov');
    expect(sanitizeFilename('.hidden.mp4')).toBe('hidden.mp4');
    expect(sanitizeFilename('...')).toBe('media');
    expect(sanitizeFilename('日本語')).toBe('media');
  });

  it('shortens long names but keeps the extension', () => {
    const name = sanitizeFilename(`${'a'.repeat(300)}.webm`);
    expect(name).toHaveLength(120);
    expect(name.endsWith('.webm')).toBe(true);
  });
});

describe('partSizeFor', () => {
  it('keeps the configured size until a file would need more than 10 000 parts', () => {
    expect(partSizeFor(100 * MiB, 8 * MiB)).toBe(8 * MiB);
    expect(partSizeFor(200_000 * MiB, 8 * MiB)).toBe(20 * MiB);
    expect(Math.ceil((200_000 * MiB + 1) / partSizeFor(200_000 * MiB + 1, 8 * MiB))).toBeLessThanOrEqual(10_000);
  });
});
