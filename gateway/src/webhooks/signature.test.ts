import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateSecret, secretKey, signatureHeaders } from './signature.ts';

describe('webhook signature', () => {
  const body = JSON.stringify({ type: 'transcript.final', id: 'evt-1', data: { text: 'héllo' } });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretKey(a)).toHaveLength(32);
    expect(generateSecret()).not.toBe(a);
  });

  it('is accepted by the standardwebhooks library', () => {
    const secret = generateSecret();
    const headers = signatureHeaders({ secret, id: 'evt-1', body });
    expect(headers['webhook-id']).toBe('evt-1');
    expect(Number(headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('is rejected for a tampered body, another id, or another secret', () => {
    const secret = generateSecret();
    const headers = signatureHeaders({ secret, id: 'evt-1', body });
    expect(() => new Webhook(secret).verify(body.replace('héllo', 'hello'), headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'evt-2' })).toThrow();
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
  });

  it('refuses a secret that is not base64', () => {
    expect(() => secretKey('whsec_not*base64!')).toThrow(/base64/);
  });
});
