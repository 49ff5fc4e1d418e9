import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionItem } from '@mi/contracts';
import { describe, expect, it } from 'vitest';
import { PolicyGate } from './policy-gate.ts';

const item: ActionItem = {
  id: 'a1',
  owner: 'alice',
  ownerName: 'Alice',
  task: 'book the venue',
  due: null,
  dueText: null,
  confidence: 0.9,
  sourceSegments: ['s1'],
  engine: 'rules',
};
const ctx = { today: '2026-03-10', participants: [{ id: 'alice', name: 'Alice' }] };

describe('PolicyGate', () => {
  it('loads the bundled policy by default', () => {
    expect(new PolicyGate().version).toMatch(/^\d{4}-/);
  });

  it('reloads from its file, and keeps the old policy when the new file is broken', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'policy-')), 'p.yaml');
    writeFileSync(file, 'version: "v1"\nrules: []\n');
    const gate = new PolicyGate(file);
    expect(gate.evaluate(item, ctx)).toEqual({ level: 'low', reasons: [], policyVersion: 'v1' });

    writeFileSync(
      file,
      'version: "v2"\nrules:\n  - { id: venue, reason: venues cost money, when: { taskMatches: [venue] } }\n',
    );
    expect(gate.reload()).toBe('v2');
    expect(gate.evaluate(item, ctx)).toMatchObject({ level: 'high', policyVersion: 'v2' });

    writeFileSync(file, 'version: "v3"\nrules:\n  - { id: x, reason: y, when: { taskMatches: ["("] } }\n');
    expect(() => gate.reload()).toThrow(/\/rules\/0\/when\/taskMatches\/0/);
    expect(gate.version).toBe('v2');
  });
});
