/** Changes between two lists of items keyed by `id`: what a subscriber must apply to go from `before` to `after`. */
export type Delta<T> = { added: T[]; updated: T[]; removed: string[] };

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
