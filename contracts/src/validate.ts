import type { Static, TSchema } from '@sinclair/typebox';
import { FormatRegistry } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { eventCatalogue } from './catalogue.ts';
import type { Envelope } from './envelope.ts';

if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}T/.test(v));
}

/** Thrown when a message does not match its schema; `code` is stable for clients. */
export class ValidationError extends Error {
  readonly code = 'ERR_SCHEMA';
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(message);
  }
}

const cache = new WeakMap<TSchema, TypeCheck<TSchema>>();

export function compiled<T extends TSchema>(schema: T): TypeCheck<T> {
  let check = cache.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    cache.set(schema, check);
  }
  return check as TypeCheck<T>;
}

/** Validates `value` against `schema`, throwing a ValidationError that names the first few problems. */
export function assertValid<T extends TSchema>(schema: T, value: unknown, what = 'message'): Static<T> {
  const check = compiled(schema);
  if (check.Check(value)) return value as Static<T>;
  const issues = [...check.Errors(value)].slice(0, 5).map((e) => ({ path: e.path || '/', message: e.message }));
  const first = issues[0];
  throw new ValidationError(`invalid ${what}: ${first ? `${first.path} ${first.message}` : 'unknown'}`, issues);
}

/** Validates an event against the catalogue entry of its own type and version. */
export function validateEvent(value: unknown): Envelope {
  const v = value as { type?: unknown; version?: unknown };
  const key = `${String(v?.type)}.v${String(v?.version)}`;
  const schema = (eventCatalogue as Record<string, TSchema>)[key];
  if (!schema) throw new ValidationError(`unknown event type ${key}`, [{ path: '/type', message: 'unknown' }]);
  return assertValid(schema, value, key) as Envelope;
}
