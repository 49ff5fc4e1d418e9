import type { ActionItem } from '@mi/contracts';
import { describe, expect, it } from 'vitest';
import { defaultPolicyPath } from './default-policy.ts';
import { evaluate } from './evaluate.ts';
import { loadPolicy } from './parse.ts';

const policy = loadPolicy(defaultPolicyPath);
const ctx = { today: '2026-03-10', participants: [{ id: 'alice', name: 'Alice Chen' }] };

function verdict(task: string, over: Partial<ActionItem> = {}) {
  const item: ActionItem = {
    id: 'a1',
    owner: 'alice',
    ownerName: 'Alice Chen',
    task,
    due: '2026-03-20',
    dueText: 'next Friday',
    confidence: 0.9,
    sourceSegments: ['s1'],
    engine: 'rules',
    ...over,
  };
  return evaluate(policy, item, ctx);
}

const rules = (v: ReturnType<typeof verdict>) => v.reasons.map((r) => r.rule);

describe('the bundled policy', () => {
  it('loads and carries its version', () => {
    expect(policy.version).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+$/);
    expect(verdict('x').policyVersion).toBe(policy.version);
  });

  it('holds a signed contract sent outside for two reasons', () => {
    const v = verdict('send the signed contract to jane@acme.com');
    expect(v.level).toBe('high');
    expect(rules(v)).toEqual(['external-recipient', 'legal']);
  });

  it('holds a large purchase order', () => {
    const v = verdict('approve the $12,000 purchase order');
    expect(v.level).toBe('high');
    expect(rules(v)).toEqual(['money']);
  });

  it('auto-approves ordinary internal work', () => {
    expect(verdict('update the roadmap slide')).toEqual({ level: 'low', reasons: [], policyVersion: policy.version });
    expect(verdict('design the new onboarding screen').level).toBe('low');
    expect(verdict('rework the plan in terms of priorities').level).toBe('low');
    expect(verdict('email the notes to bob@example.com').level).toBe('low');
  });

  it('holds legal wording', () => {
    expect(rules(verdict('get the NDA countersigned'))).toEqual(['legal']);
    expect(rules(verdict('review the payment terms'))).toEqual(['legal']);
    expect(rules(verdict('check the GDPR impact of the export'))).toEqual(['legal']);
  });

  it('holds an item the extractor was unsure of', () => {
    const v = verdict('update the roadmap slide', { confidence: 0.4 });
    expect(v.level).toBe('high');
    expect(rules(v)).toEqual(['low-confidence']);
  });

  it('holds an unowned item due soon, not one due later', () => {
    expect(rules(verdict('fix the build', { owner: null, ownerName: null, due: '2026-03-11' }))).toEqual(['no-owner']);
    expect(verdict('fix the build', { owner: null, ownerName: null, due: '2026-03-30' }).level).toBe('low');
  });
});
