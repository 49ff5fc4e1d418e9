import type { Participant } from '@mi/contracts';
import { type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { LlmInvalidReplyError } from './errors.ts';
import type { Extraction } from './types.ts';

const Confidence = Type.Number({ minimum: 0, maximum: 1 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** What the model must answer. Extra fields are tolerated and dropped; missing or mistyped ones are errors. */
export const LlmReply = Type.Object({
  actionItems: Type.Array(
    Type.Object({
      owner: Nullable(Type.String()),
      task: Type.String({ minLength: 1 }),
      due: Nullable(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
      dueText: Nullable(Type.String()),
      confidence: Confidence,
    }),
  ),
  decisions: Type.Array(Type.Object({ text: Type.String({ minLength: 1 }), confidence: Confidence })),
});

const check = TypeCompiler.Compile(LlmReply);

function isCalendarDate(iso: string): boolean {
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(iso);
}

/** Some models wrap JSON in a markdown fence even in JSON mode. */
function unfence(text: string): string {
  const m = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(text);
  return m ? m[1]! : text;
}

/** Parses and checks the model's answer against the schema and the meeting (owners must be participants). */
export function parseReply(content: string, participants: readonly Participant[]): Extraction {
  let raw: unknown;
  try {
    raw = JSON.parse(unfence(content));
  } catch {
    throw new LlmInvalidReplyError('not JSON');
  }
  const first = check.Errors(raw).First();
  if (first) throw new LlmInvalidReplyError(first.message, first.path);
  const reply = raw as Extraction;
  const ids = new Set(participants.map((p) => p.id));
  const actionItems = reply.actionItems.map((x, i) => {
    if (x.owner !== null && !ids.has(x.owner)) {
      throw new LlmInvalidReplyError(`"${x.owner}" is not a participant id`, `/actionItems/${i}/owner`);
    }
    if (x.due !== null && !isCalendarDate(x.due)) {
      throw new LlmInvalidReplyError(`"${x.due}" is not a calendar date`, `/actionItems/${i}/due`);
    }
    return { owner: x.owner, task: x.task.trim(), due: x.due, dueText: x.dueText, confidence: x.confidence };
  });
  const decisions = reply.decisions.map((d) => ({ text: d.text.trim(), confidence: d.confidence }));
  return { actionItems, decisions };
}
