import { fileURLToPath } from 'node:url';

/** The policy bundled with the summarizer (summarizer/policy/actions.policy.yaml); POLICY_FILE overrides it. */
export const defaultPolicyPath = fileURLToPath(new URL('../../policy/actions.policy.yaml', import.meta.url));
