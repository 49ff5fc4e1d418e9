import type { ActionItem, Participant } from '@mi/contracts';
import { PolicyError } from './errors.ts';
import { isExternalRecipient } from './external.ts';
import { findMoney } from './money.ts';
import type { Condition } from './schema.ts';

/** What a condition looks at. */
export type Facts = {
  item: ActionItem;
  today: string;
  participants: readonly Participant[];
  internalDomains: readonly string[];
};

export type Predicate = (facts: Facts) => boolean;

const DAY_MS = 86_400_000;

/** Whole days from `from` to `to` (both YYYY-MM-DD); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

function compileRegex(source: string, field: string, file: string): RegExp {
  try {
    return new RegExp(source, 'i');
  } catch (error) {
    throw new PolicyError(file, field, `is not a valid regular expression: ${(error as Error).message}`);
  }
}

/**
 * Turns a validated condition into a predicate, compiling its regexes once (and reporting a bad
 * one with its path). Several keys in one condition object must all hold.
 */
export function compileCondition(cond: Condition, field: string, file: string): Predicate {
  const parts: Predicate[] = [];
  if (cond.externalRecipient !== undefined) {
    const want = cond.externalRecipient;
    parts.push((f) => isExternalRecipient(f.item.task, f.internalDomains) === want);
  }
  if (cond.money) {
    const { above, currency } = cond.money;
    // An amount with no stated currency still counts under a currency filter: when unsure, ask a person.
    parts.push((f) =>
      findMoney(f.item.task).some((a) => a.value > above && (!currency || !a.currency || a.currency === currency)),
    );
  }
  if (cond.taskMatches) {
    const patterns = cond.taskMatches.map((p, i) => compileRegex(p, `${field}/taskMatches/${i}`, file));
    parts.push((f) => patterns.some((p) => p.test(f.item.task)));
  }
  if (cond.confidenceBelow !== undefined) {
    const limit = cond.confidenceBelow;
    parts.push((f) => f.item.confidence < limit);
  }
  if (cond.ownerMissing !== undefined) {
    const want = cond.ownerMissing;
    parts.push((f) => {
      const owner = f.item.owner;
      return (owner === null || !f.participants.some((p) => p.id === owner)) === want;
    });
  }
  if (cond.dueWithinDays !== undefined) {
    const days = cond.dueWithinDays;
    // Overdue counts as due soon.
    parts.push((f) => f.item.due !== null && daysBetween(f.today, f.item.due) <= days);
  }
  if (cond.all) {
    const subs = cond.all.map((c, i) => compileCondition(c, `${field}/all/${i}`, file));
    parts.push((f) => subs.every((s) => s(f)));
  }
  if (cond.any) {
    const subs = cond.any.map((c, i) => compileCondition(c, `${field}/any/${i}`, file));
    parts.push((f) => subs.some((s) => s(f)));
  }
  if (cond.not) {
    const sub = compileCondition(cond.not, `${field}/not`, file);
    parts.push((f) => !sub(f));
  }
  return (f) => parts.every((p) => p(f));
}
