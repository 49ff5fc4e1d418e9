import type { ActionItem, Participant, RiskVerdict } from '@mi/contracts';

/** The policy gate as the processor sees it (implemented by policy/). */
export interface PolicyEvaluator {
  evaluate(item: ActionItem, ctx: { today: string; participants: Participant[] }): RiskVerdict;
}
