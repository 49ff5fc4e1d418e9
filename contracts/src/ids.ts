import { Type } from '@sinclair/typebox';

/** Identifiers that appear as NATS subject tokens: no dots, wildcards or whitespace. */
export const SubjectToken = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', minLength: 1, maxLength: 64 });

export const RoomId = SubjectToken;
export const ParticipantId = SubjectToken;
export const StreamId = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' });
export const TenantId = SubjectToken;

/** True when `value` can be used as one subject token. */
export function isSubjectToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(value);
}
