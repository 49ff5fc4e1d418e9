import { InProcessBus } from '@mi/bus';
import { describe, expect, it } from 'vitest';
import { approvalIdOf } from './processor.ts';

describe('approvalIdOf', () => {
  it('turns live segment-based item ids into valid KV keys and URL segments, without collisions', async () => {
    const id = approvalIdOf('room-1', 'ai-st_abc:34560-0');
    expect(id).toBe('room-1.ai-st_abc=3a34560-0');
    expect(approvalIdOf('room-1', 'ai-st_abc_34560-0')).not.toBe(id);
    const kv = await new InProcessBus().kv('approvals');
    await expect(kv.create(`tenant.${id}`, new Uint8Array([1]))).resolves.toBeGreaterThan(0);
  });
});
