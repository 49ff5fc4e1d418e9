/** Breaks a title into lines of at most `width` characters (at spaces) so drawtext keeps it on screen. */
export function wrapTitle(title: string, width = 32, maxLines = 4): string {
  const lines: string[] = [];
  let line = '';
  for (const word of title.trim().split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.slice(0, maxLines).join('\n');
}
