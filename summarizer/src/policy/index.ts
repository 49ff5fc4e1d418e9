export { defaultPolicyPath } from './default-policy.ts';
export { PolicyError } from './errors.ts';
export { type EvaluationContext, evaluate } from './evaluate.ts';
export { loadPolicy, type Policy, type PolicyRule, parsePolicy } from './parse.ts';
export { PolicyGate } from './policy-gate.ts';
