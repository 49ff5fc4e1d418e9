import type { ExtractedActionItem, ExtractedDecision } from '../rules/index.ts';
import type { LabelledMeeting } from './load.ts';
import { matchPairs } from './score.ts';

// Lists what an extraction got wrong on one labelled meeting, for error analysis by cause:
// spurious and missed items, wrong owners, wrong due dates, spurious and missed decisions.

export type ErrorKind = 'fp' | 'fn' | 'owner' | 'due' | 'decision-fp' | 'decision-fn';

export type ExtractionError = {
  meeting: string;
  kind: ErrorKind;
  /** Source segment ids of the item (predicted for fp, expected otherwise). */
  segments: string[];
  /** What the engine said ('' for a miss). */
  got: string;
  /** What the label says ('' for a spurious item). */
  want: string;
};

const describe = (a: Pick<ExtractedActionItem, 'owner' | 'task' | 'due'>) =>
  `[${a.owner ?? '-'}] ${a.task}${a.due ? ` (${a.due})` : ''}`;

export function listErrors(
  m: LabelledMeeting,
  out: { actionItems: readonly ExtractedActionItem[]; decisions: readonly ExtractedDecision[] },
): ExtractionError[] {
  const errors: ExtractionError[] = [];
  const push = (kind: ErrorKind, segments: readonly string[], got: string, want: string) =>
    errors.push({ meeting: m.id, kind, segments: [...segments], got, want });

  const exp = m.expected.actionItems;
  const pairs = matchPairs(
    out.actionItems.map((p) => ({ text: p.task, sourceSegments: p.sourceSegments })),
    exp.map((e) => ({ text: e.task, sourceSegments: e.sourceSegments })),
  );
  const usedP = new Set(pairs.map(([p]) => p));
  const usedE = new Set(pairs.map(([, e]) => e));
  for (const [pi, ei] of pairs) {
    const p = out.actionItems[pi];
    const e = exp[ei];
    if (!p || !e) continue;
    if ((p.owner ?? null) !== (e.owner ?? null)) push('owner', e.sourceSegments, describe(p), describe(e));
    if ((p.due ?? null) !== (e.due ?? null)) push('due', e.sourceSegments, describe(p), describe(e));
  }
  out.actionItems.forEach((p, i) => {
    if (!usedP.has(i)) push('fp', p.sourceSegments, describe(p), '');
  });
  exp.forEach((e, i) => {
    if (!usedE.has(i)) push('fn', e.sourceSegments, '', describe(e));
  });

  const dPairs = matchPairs(out.decisions, m.expected.decisions);
  const dP = new Set(dPairs.map(([p]) => p));
  const dE = new Set(dPairs.map(([, e]) => e));
  out.decisions.forEach((d, i) => {
    if (!dP.has(i)) push('decision-fp', d.sourceSegments, d.text, '');
  });
  m.expected.decisions.forEach((d, i) => {
    if (!dE.has(i)) push('decision-fn', d.sourceSegments, '', d.text);
  });
  return errors;
}
