/**
 * Structural backward-compatibility check between a published JSON Schema and the current one.
 * A consumer built against `published` must accept everything the current producer emits, and
 * a producer built against `published` must still produce valid current messages:
 * - no property removed, no property newly required, no type changed;
 * - no enum/literal/union narrowed or changed; no tighter string pattern or numeric bounds.
 * Adding optional properties is compatible.
 */
type Schema = Record<string, unknown>;

export function incompatibilities(published: Schema, current: Schema, path = '$'): string[] {
  const out: string[] = [];
  const keys = ['type', 'const', 'pattern', 'format', 'minimum', 'maximum', 'minLength', 'maxLength'] as const;
  for (const k of keys) {
    if (JSON.stringify(published[k]) !== JSON.stringify(current[k])) {
      out.push(`${path}: "${k}" changed from ${JSON.stringify(published[k])} to ${JSON.stringify(current[k])}`);
    }
  }
  if (published.additionalProperties === false || current.additionalProperties === false) {
    if (published.additionalProperties !== current.additionalProperties)
      out.push(`${path}: additionalProperties changed`);
  }
  const pProps = (published.properties ?? {}) as Record<string, Schema>;
  const cProps = (current.properties ?? {}) as Record<string, Schema>;
  for (const [name, p] of Object.entries(pProps)) {
    const c = cProps[name];
    if (!c) out.push(`${path}.${name}: removed`);
    else out.push(...incompatibilities(p, c, `${path}.${name}`));
  }
  const pReq = new Set((published.required ?? []) as string[]);
  for (const r of (current.required ?? []) as string[]) {
    if (!pReq.has(r)) out.push(`${path}.${r}: newly required`);
  }
  for (const r of pReq) {
    if (!((current.required ?? []) as string[]).includes(r)) out.push(`${path}.${r}: no longer required`);
  }
  for (const combo of ['anyOf', 'oneOf', 'allOf'] as const) {
    const p = published[combo] as Schema[] | undefined;
    const c = current[combo] as Schema[] | undefined;
    if (!p && !c) continue;
    if (!p || !c || p.length !== c.length) {
      out.push(`${path}: ${combo} changed`);
      continue;
    }
    for (const [i, s] of p.entries()) out.push(...incompatibilities(s, c[i] as Schema, `${path}.${combo}[${i}]`));
  }
  if (published.items || current.items) {
    if (!published.items || !current.items) out.push(`${path}: items changed`);
    else out.push(...incompatibilities(published.items as Schema, current.items as Schema, `${path}[]`));
  }
  return out;
}
