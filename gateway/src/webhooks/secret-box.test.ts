import { describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxError } from './secret-box.ts';

describe('SecretBox', () => {
  const master = 'correct horse battery staple';
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  it('seals and opens, with a fresh IV each time and no plaintext in the sealed form', async () => {
    const box = await SecretBox.fromMasterKey(master);
    const a = box.seal(secret, 'wh_1');
    const b = box.seal(secret, 'wh_1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('MfKQ9r8');
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(box.open(a, 'wh_1')).toBe(secret);
    // Another instance derived from the same master key opens it (a restart, another gateway).
    expect((await SecretBox.fromMasterKey(master)).open(b, 'wh_1')).toBe(secret);
  });

  it('detects tampering, another key and another context', async () => {
    const box = await SecretBox.fromMasterKey(master);
    const sealed = box.seal(secret, 'wh_1');
    const parts = sealed.split('.');
    const flip = (s: string) => {
      const bytes = Buffer.from(s, 'base64url');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      return bytes.toString('base64url');
    };
    for (const i of [1, 2, 3]) {
      const tampered = parts.map((p, j) => (j === i ? flip(p) : p)).join('.');
      expect(() => box.open(tampered, 'wh_1')).toThrow(SecretBoxError);
    }
    expect(() => box.open(sealed, 'wh_2')).toThrow(SecretBoxError);
    expect(() => box.open('garbage', 'wh_1')).toThrow(SecretBoxError);
    const other = await SecretBox.fromMasterKey(`${master}!`);
    expect(() => other.open(sealed, 'wh_1')).toThrow(SecretBoxError);
  });

  it('refuses a short master key', async () => {
    await expect(SecretBox.fromMasterKey('short')).rejects.toThrow(/16 characters/);
  });
});
