import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { TenantId } from './ids.ts';

export const Producer = Type.Object(
  {
    service: Type.String({ minLength: 1 }),
    version: Type.String({ minLength: 1 }),
    model: Type.Optional(Type.Object({ name: Type.String(), version: Type.String() })),
  },
  { $id: 'Producer' },
);
export type Producer = Static<typeof Producer>;

/** Fields every event carries, whatever its type. `id` is stable across retries so consumers can de-duplicate. */
const envelopeFields = {
  id: Type.String({ minLength: 1, maxLength: 200, description: 'unique, stable across retries' }),
  time: Type.String({ format: 'date-time' }),
  tenant: TenantId,
  room: Type.Optional(Type.String({ maxLength: 64 })),
  job: Type.Optional(Type.String({ maxLength: 128 })),
  correlationId: Type.String({ minLength: 1, maxLength: 200 }),
  producer: Producer,
};

/** Builds the envelope schema of one event type at one version. */
export function eventSchema<T extends string, V extends number, D extends TSchema>(type: T, version: V, data: D) {
  return Type.Object(
    {
      type: Type.Literal(type),
      version: Type.Literal(version),
      ...envelopeFields,
      data,
    },
    { $id: `${type}.v${version}`, additionalProperties: false },
  );
}

export type Envelope<T extends string = string, D = unknown> = {
  type: T;
  version: number;
  id: string;
  time: string;
  tenant: string;
  room?: string;
  job?: string;
  correlationId: string;
  producer: Producer;
  data: D;
};
