import { type Static, Type } from '@sinclair/typebox';

/** The condition keys a rule's `when` may use; anything else is a load error, not silently ignored. */
export const conditionKeys = [
  'externalRecipient',
  'money',
  'taskMatches',
  'confidenceBelow',
  'ownerMissing',
  'dueWithinDays',
  'all',
  'any',
  'not',
] as const;

const CurrencyCode = Type.Union([Type.Literal('USD'), Type.Literal('EUR'), Type.Literal('GBP')]);

/** One condition object; several keys in one object must all hold. */
export const Condition = Type.Recursive(
  (Self) =>
    Type.Object(
      {
        externalRecipient: Type.Optional(Type.Boolean()),
        money: Type.Optional(
          Type.Object(
            { above: Type.Number({ minimum: 0 }), currency: Type.Optional(CurrencyCode) },
            { additionalProperties: false },
          ),
        ),
        taskMatches: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
        confidenceBelow: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        ownerMissing: Type.Optional(Type.Boolean()),
        dueWithinDays: Type.Optional(Type.Integer({ minimum: 0 })),
        all: Type.Optional(Type.Array(Self, { minItems: 1 })),
        any: Type.Optional(Type.Array(Self, { minItems: 1 })),
        not: Type.Optional(Self),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
  { $id: 'PolicyCondition' },
);
export type Condition = Static<typeof Condition>;

export const PolicyRuleSpec = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'stable id, shown to approvers and in audit' }),
    reason: Type.String({ minLength: 1 }),
    when: Condition,
  },
  { additionalProperties: false },
);

export const PolicyFileSpec = Type.Object(
  {
    version: Type.String({ minLength: 1, description: 'copied into every verdict' }),
    defaultRisk: Type.Optional(Type.Union([Type.Literal('low'), Type.Literal('high')])),
    internalDomains: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$' }))),
    rules: Type.Array(PolicyRuleSpec),
  },
  { additionalProperties: false },
);
export type PolicyFileSpec = Static<typeof PolicyFileSpec>;
