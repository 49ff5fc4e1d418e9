import { readFileSync } from 'node:fs';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parse as parseYaml } from 'yaml';
import { compileCondition, type Predicate } from './conditions.ts';
import { PolicyError } from './errors.ts';
import { conditionKeys, PolicyFileSpec } from './schema.ts';

export type PolicyRule = { id: string; reason: string; test: Predicate };

/** A validated policy with its conditions compiled, ready to evaluate. */
export type Policy = {
  version: string;
  defaultRisk: 'low' | 'high';
  internalDomains: string[];
  rules: PolicyRule[];
  /** Where it was loaded from, for messages. */
  source: string;
};

const check = TypeCompiler.Compile(PolicyFileSpec);

// A key sitting directly in a condition object: /rules/0/when, /rules/0/when/all/1, /rules/0/when/not …
const conditionObject = /^\/rules\/\d+\/when(\/(all|any)\/\d+|\/not)*$/;

function describe(path: string, message: string): string {
  if (message === 'Expected required property') return 'is required';
  if (message === 'Unexpected property') {
    const parent = path.slice(0, path.lastIndexOf('/'));
    return conditionObject.test(parent)
      ? `is not a known condition (use one of: ${conditionKeys.join(', ')})`
      : 'is not a known field';
  }
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/** Parses and validates policy YAML; throws PolicyError naming the bad field. */
export function parsePolicy(text: string, source = 'policy text'): Policy {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new PolicyError(source, '', `is not valid YAML: ${(error as Error).message}`);
  }
  const first = check.Errors(raw).First();
  if (first) throw new PolicyError(source, first.path, describe(first.path, first.message));
  const spec = raw as PolicyFileSpec;
  const seen = new Set<string>();
  const rules = spec.rules.map((r, i) => {
    if (seen.has(r.id)) throw new PolicyError(source, `/rules/${i}/id`, `repeats the rule id "${r.id}"`);
    seen.add(r.id);
    return { id: r.id, reason: r.reason, test: compileCondition(r.when, `/rules/${i}/when`, source) };
  });
  return {
    version: spec.version,
    defaultRisk: spec.defaultRisk ?? 'low',
    internalDomains: spec.internalDomains ?? [],
    rules,
    source,
  };
}

export function loadPolicy(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PolicyError(path, '', `cannot be read: ${(error as Error).message}`);
  }
  return parsePolicy(text, path);
}
