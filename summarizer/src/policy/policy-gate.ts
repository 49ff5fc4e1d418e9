import type { ActionItem, Participant, RiskVerdict } from '@mi/contracts';
import type { PolicyEvaluator } from '../gate.ts';
import { defaultPolicyPath } from './default-policy.ts';
import { evaluate } from './evaluate.ts';
import { loadPolicy, type Policy } from './parse.ts';

/** The policy gate the processor calls: one policy file, loaded at start and again on reload(). */
export class PolicyGate implements PolicyEvaluator {
  private policy: Policy;

  constructor(readonly path: string = defaultPolicyPath) {
    this.policy = loadPolicy(path);
  }

  get version(): string {
    return this.policy.version;
  }

  /**
   * Reads the file again. A broken edit throws and leaves the current policy in force, so a typo
   * cannot switch the gate off.
   */
  reload(): string {
    this.policy = loadPolicy(this.path);
    return this.policy.version;
  }

  evaluate(item: ActionItem, ctx: { today: string; participants: readonly Participant[] }): RiskVerdict {
    return evaluate(this.policy, item, ctx);
  }
}
