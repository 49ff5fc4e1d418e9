import type { ActionItem, Participant, RiskVerdict } from '@mi/contracts';
import type { Policy } from './parse.ts';

export type EvaluationContext = { today: string; participants: readonly Participant[] };

/** Classifies one action item: high risk when any rule matches, each match listed as a reason. */
export function evaluate(policy: Policy, item: ActionItem, ctx: EvaluationContext): RiskVerdict {
  const facts = { item, today: ctx.today, participants: ctx.participants, internalDomains: policy.internalDomains };
  const reasons = policy.rules.filter((r) => r.test(facts)).map((r) => ({ rule: r.id, reason: r.reason }));
  if (reasons.length > 0) return { level: 'high', reasons, policyVersion: policy.version };
  if (policy.defaultRisk === 'high') {
    // A cautious policy: nothing matched, yet a person must still see why it waits.
    const reason = { rule: 'default', reason: 'the policy asks for approval of every action' };
    return { level: 'high', reasons: [reason], policyVersion: policy.version };
  }
  return { level: 'low', reasons: [], policyVersion: policy.version };
}
