import type { Static, TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { assertValid } from './validate.ts';

/**
 * Reads a package's configuration from the environment: `mapping` names the variable of each
 * field; values are converted to the schema's types, defaults applied, then validated, so a
 * bad setting fails at start-up with the variable's name rather than deep inside a service.
 */
export function configFromEnv<S extends TObject>(
  schema: S,
  mapping: { [K in keyof Static<S>]?: string },
  env: NodeJS.ProcessEnv = process.env,
): Static<S> {
  const raw: Record<string, unknown> = {};
  for (const [field, variable] of Object.entries(mapping) as [string, string][]) {
    const v = env[variable];
    if (v !== undefined && v !== '') raw[field] = v;
  }
  const converted = Value.Default(schema, Value.Convert(schema, raw));
  try {
    return assertValid(schema, converted, 'configuration');
  } catch (err) {
    const path = (err as { issues?: { path: string }[] }).issues?.[0]?.path.slice(1) ?? '';
    const variable = (mapping as Record<string, string | undefined>)[path];
    throw new Error(`${(err as Error).message}${variable ? ` (environment variable ${variable})` : ''}`);
  }
}
