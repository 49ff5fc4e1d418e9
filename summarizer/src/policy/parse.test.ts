import { describe, expect, it } from 'vitest';
import { PolicyError } from './errors.ts';
import { loadPolicy, parsePolicy } from './parse.ts';

function errorOf(text: string): PolicyError {
  try {
    parsePolicy(text, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return error as PolicyError;
  }
  throw new Error('expected the policy to be rejected');
}

const rule = (when: string) => `version: "1"\nrules:\n  - id: r\n    reason: because\n    when: ${when}\n`;

describe('parsePolicy', () => {
  it('applies defaults', () => {
    const p = parsePolicy('version: "1"\nrules: []\n');
    expect(p).toMatchObject({ version: '1', defaultRisk: 'low', internalDomains: [], rules: [] });
  });

  it('rejects a missing version', () => {
    const e = errorOf('rules: []\n');
    expect(e.field).toBe('/version');
    expect(e.message).toBe('invalid policy test.yaml: /version: is required');
  });

  it('rejects an unknown condition key, naming it and the known ones', () => {
    const e = errorOf(rule('{ all: [{ ownerMissing: true }, { ownerAbsent: true }] }'));
    expect(e.field).toBe('/rules/0/when/all/1/ownerAbsent');
    expect(e.message).toMatch(/is not a known condition \(use one of: externalRecipient, money, .*not\)/);
  });

  it('rejects an unknown field outside conditions', () => {
    expect(errorOf('version: "1"\nrulez: []\nrules: []\n').message).toMatch(/\/rulez: is not a known field/);
  });

  it('rejects a bad regular expression with its path', () => {
    const e = errorOf(rule('{ taskMatches: [ok, "(unclosed"] }'));
    expect(e.field).toBe('/rules/0/when/taskMatches/1');
    expect(e.message).toMatch(/is not a valid regular expression/);
  });

  it('finds bad regexes inside combinators too', () => {
    expect(errorOf(rule('{ not: { any: [{ taskMatches: ["[a-"] }] } }')).field).toBe(
      '/rules/0/when/not/any/0/taskMatches/0',
    );
  });

  it('rejects wrong types, empty conditions and duplicate ids', () => {
    expect(errorOf(rule('{ money: { above: lots } }')).field).toBe('/rules/0/when/money/above');
    expect(errorOf(rule('{ confidenceBelow: 2 }')).field).toBe('/rules/0/when/confidenceBelow');
    expect(errorOf(rule('{}')).field).toBe('/rules/0/when');
    const dup =
      'version: "1"\nrules:\n  - { id: a, reason: x, when: { ownerMissing: true } }\n  - { id: a, reason: y, when: { ownerMissing: true } }\n';
    expect(errorOf(dup).field).toBe('/rules/1/id');
  });

  it('reports YAML syntax errors with their line', () => {
    expect(errorOf('version: "1"\nrules: [\n').message).toMatch(/is not valid YAML: .*line/);
  });

  it('reports an unreadable file with its path', () => {
    expect(() => loadPolicy('/nonexistent/policy.yaml')).toThrow(/\/nonexistent\/policy.yaml: \/: cannot be read/);
  });
});
