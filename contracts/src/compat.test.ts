import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { eventCatalogue } from './catalogue.ts';
import { incompatibilities } from './compat.ts';
import { eventSchema } from './envelope.ts';

const publishedDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'published');
const plain = (s: unknown) => JSON.parse(JSON.stringify(s));

describe('published event versions stay compatible', () => {
  const files = readdirSync(publishedDir).filter((f) => f.endsWith('.schema.json'));
  it('every catalogue entry has been published', () => {
    expect(files.sort()).toEqual(
      Object.keys(eventCatalogue)
        .map((k) => `${k}.schema.json`)
        .sort(),
    );
  });
  for (const file of files) {
    it(`${file} is compatible with the current schema`, () => {
      const key = file.replace('.schema.json', '') as keyof typeof eventCatalogue;
      const current = eventCatalogue[key];
      expect(current, `${key} was removed from the catalogue`).toBeDefined();
      expect(incompatibilities(JSON.parse(readFileSync(join(publishedDir, file), 'utf8')), plain(current))).toEqual([]);
    });
  }
});

describe('the compatibility check itself', () => {
  const base = eventSchema('x.test', 1, Type.Object({ a: Type.String(), b: Type.Optional(Type.Integer()) }));
  it('accepts an added optional field', () => {
    const next = eventSchema(
      'x.test',
      1,
      Type.Object({ a: Type.String(), b: Type.Optional(Type.Integer()), c: Type.Optional(Type.String()) }),
    );
    expect(incompatibilities(plain(base), plain(next))).toEqual([]);
  });
  it.each([
    ['a removed field', Type.Object({ b: Type.Optional(Type.Integer()) })],
    ['a new required field', Type.Object({ a: Type.String(), b: Type.Optional(Type.Integer()), c: Type.String() })],
    ['a changed type', Type.Object({ a: Type.Number(), b: Type.Optional(Type.Integer()) })],
    ['an optional field made required', Type.Object({ a: Type.String(), b: Type.Integer() })],
  ])('rejects %s', (_name, data) => {
    expect(incompatibilities(plain(base), plain(eventSchema('x.test', 1, data))).length).toBeGreaterThan(0);
  });
});
