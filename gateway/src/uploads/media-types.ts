/** Extensions of audio and video files; they let `application/octet-stream` uploads through. */
export const mediaExtensions: ReadonlySet<string> = new Set([
  '3gp',
  'aac',
  'avi',
  'flac',
  'flv',
  'm2ts',
  'm4a',
  'm4v',
  'mkv',
  'mov',
  'mp3',
  'mp4',
  'mpeg',
  'mpg',
  'mts',
  'oga',
  'ogg',
  'ogv',
  'opus',
  'ts',
  'wav',
  'weba',
  'webm',
  'wma',
  'wmv',
]);

export const defaultAllowedTypes = ['video/*', 'audio/*'];

/** `Video/MP4; codecs=avc1` -> `video/mp4`. */
export const baseType = (contentType: string) => (contentType.split(';')[0] ?? '').trim().toLowerCase();

/** Lower-case extension without the dot ('' when none). */
export function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot > 0 ? filename.slice(dot + 1).toLowerCase() : '';
}

/**
 * Whether an upload may be media, before looking inside: its type matches one of `allowed`
 * (`video/*`, `audio/mp4`, ...), or it is untyped (`application/octet-stream`, what browsers
 * send for unknown files) with a media extension. ffprobe has the last word either way.
 */
export function mediaTypeAllowed(contentType: string, filename: string, allowed: readonly string[]): boolean {
  const type = baseType(contentType);
  if (type === 'application/octet-stream') return mediaExtensions.has(extensionOf(filename));
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.endsWith('/*') ? type.startsWith(p.slice(0, -1)) : type === p;
  });
}

const MAX_NAME = 120;

/**
 * A filename safe as the last segment of an object key and in a download header: the base name
 * only (no directories, from either kind of slash), ASCII letters, digits, `.`, `_` and `-`,
 * no leading dots, at most 120 characters with the extension kept.
 */
export function sanitizeFilename(filename: string): string {
  const base = filename.split(/[/\\]/).pop() ?? '';
  const ascii = base
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[._]+/, '');
  if (!ascii.replace(/[._-]/g, '')) return 'media';
  if (ascii.length <= MAX_NAME) return ascii;
  const ext = extensionOf(ascii);
  const keep = ext && ext.length < 16 ? `.${ext}` : '';
  return ascii.slice(0, MAX_NAME - keep.length) + keep;
}
