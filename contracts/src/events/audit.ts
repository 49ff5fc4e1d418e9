import { type Static, Type } from '@sinclair/typebox';
import { eventSchema } from '../envelope.ts';

/** One entry of the immutable audit log (its stream denies delete and purge). */
export const AuditEntryData = Type.Object({
  actor: Type.Object({
    kind: Type.Union([Type.Literal('user'), Type.Literal('policy'), Type.Literal('system')]),
    id: Type.String({ minLength: 1 }),
  }),
  action: Type.String({ minLength: 1, description: 'e.g. approval.approve, webhook.create' }),
  target: Type.Object({ kind: Type.String(), id: Type.String() }),
  reason: Type.Union([Type.String(), Type.Null()]),
  /** State before/after, for changes a reviewer must be able to reconstruct. */
  before: Type.Optional(Type.Unknown()),
  after: Type.Optional(Type.Unknown()),
});
export type AuditEntryData = Static<typeof AuditEntryData>;
export const AuditEntryV1 = eventSchema('audit.entry', 1, AuditEntryData);
