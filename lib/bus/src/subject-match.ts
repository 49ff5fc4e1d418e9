/**
 * NATS subject rules, shared by the in-process bus (which has no server to enforce them) and by
 * KV key patterns. Tokens are separated by `.`; `*` matches exactly one token, `>` one or more
 * trailing tokens.
 */

/** A concrete subject: non-empty tokens, no wildcards, no whitespace. */
export function isValidSubject(subject: string): boolean {
  if (subject.length === 0 || /\s/.test(subject)) return false;
  return subject.split('.').every((t) => t.length > 0 && t !== '*' && t !== '>');
}

/** A subscription pattern: like a subject, but `*` tokens anywhere and `>` as the last token. */
export function isValidPattern(pattern: string): boolean {
  if (pattern.length === 0 || /\s/.test(pattern)) return false;
  const tokens = pattern.split('.');
  return tokens.every((t, i) => t.length > 0 && (t !== '>' || i === tokens.length - 1));
}

/** True when `subject` (concrete) matches `pattern` (wildcards allowed). */
export function subjectMatches(pattern: string, subject: string): boolean {
  return subjectMatcher(pattern)(subject);
}

/**
 * A reusable matcher for one pattern. Patterns are checked on every publish, so the split is done
 * once here and literal patterns skip tokenising altogether.
 */
export function subjectMatcher(pattern: string): (subject: string) => boolean {
  if (!pattern.includes('*') && !pattern.includes('>')) return (subject) => subject === pattern;
  const p = pattern.split('.');
  return (subject) => {
    const s = subject.split('.');
    for (let i = 0; i < p.length; i++) {
      const t = p[i];
      if (t === '>') return s.length > i;
      if (i >= s.length) return false;
      if (t !== '*' && t !== s[i]) return false;
    }
    return p.length === s.length;
  };
}

/** True when some concrete subject matches both patterns (NATS refuses overlapping streams). */
export function subjectsOverlap(a: string, b: string): boolean {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; ; i++) {
    const s = x[i];
    const t = y[i];
    if (s === undefined || t === undefined) return s === t;
    if (s === '>' || t === '>') return true;
    if (s !== '*' && t !== '*' && s !== t) return false;
  }
}
