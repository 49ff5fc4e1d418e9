import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from './config.ts';

const Schema = Type.Object({
  port: Type.Integer({ minimum: 1, default: 8080 }),
  tls: Type.Boolean({ default: false }),
  mode: Type.Union([Type.Literal('a'), Type.Literal('b')], { default: 'a' }),
});
const mapping = { port: 'PORT', tls: 'TLS', mode: 'MODE' };

describe('configFromEnv', () => {
  it('applies defaults and converts strings to the schema types', () => {
    expect(configFromEnv(Schema, mapping, {})).toEqual({ port: 8080, tls: false, mode: 'a' });
    expect(configFromEnv(Schema, mapping, { PORT: '9000', TLS: 'true', MODE: 'b' })).toEqual({
      port: 9000,
      tls: true,
      mode: 'b',
    });
  });
  it('names the environment variable of a bad setting', () => {
    expect(() => configFromEnv(Schema, mapping, { PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => configFromEnv(Schema, mapping, { MODE: 'c' })).toThrow(/MODE/);
  });
});
