import type { Delta } from '@mi/contracts';

/** Changes between two lists of items keyed by `id`: what a subscriber must apply to go from `before` to `after`. */
export function diffById<T extends { id: string }>(before: readonly T[], after: readonly T[]): Delta<T> {
  const old = new Map(before.map((x) => [x.id, x]));
  const added: T[] = [];
  const updated: T[] = [];
  for (const x of after) {
    const prev = old.get(x.id);
    if (!prev) added.push(x);
    else if (JSON.stringify(prev) !== JSON.stringify(x)) updated.push(x);
    old.delete(x.id);
  }
  return { added, updated, removed: [...old.keys()] };
}

export function isEmptyDelta(d: Delta<unknown>): boolean {
  return d.added.length === 0 && d.updated.length === 0 && d.removed.length === 0;
}

/** `list` with a delta applied: removals, in-place updates, additions at the end. */
export function applyDelta<T extends { id: string }>(list: readonly T[], d: Delta<T>): T[] {
  const removed = new Set(d.removed);
  const updated = new Map(d.updated.map((x) => [x.id, x]));
  const out = list.filter((x) => !removed.has(x.id)).map((x) => updated.get(x.id) ?? x);
  for (const x of d.added) if (!out.some((y) => y.id === x.id)) out.push(x);
  return out;
}
