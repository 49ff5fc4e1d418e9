import { subjectMatches } from './subject-match.ts';
import { type Headers, headerNames, type StreamConfig } from './types.ts';

/**
 * Dead-lettering is done by the consumer side in both implementations (JetStream only drops a
 * message after max_deliver), so the rules live here once.
 */

/** Captures every default dead-letter subject; created lazily on the first dead letter. */
export const deadLetterStream: StreamConfig = {
  name: 'DEADLETTER',
  subjects: ['v1.deadletter.>'],
  maxAgeMs: 14 * 24 * 3600_000,
};

export const defaultDeadLetterSubject = (stream: string, durable: string): string =>
  `v1.deadletter.${stream}.${durable}`;

/** True when the DEADLETTER stream should exist before publishing to `subject`. */
export const isDeadLetterStreamSubject = (subject: string): boolean =>
  deadLetterStream.subjects.some((p) => subjectMatches(p, subject));

/**
 * Headers of the dead-lettered copy: the original ones plus why, from where and after how many
 * deliveries. The msgId is dropped so the DEADLETTER stream never de-duplicates two dead letters.
 */
export function deadLetterHeaders(original: Headers, subject: string, reason: string, deliveries: number): Headers {
  const headers: Headers = { ...original };
  delete headers[headerNames.msgId];
  headers[headerNames.deadLetterReason] = reason;
  headers[headerNames.deadLetterSubject] = subject;
  headers[headerNames.deadLetterDeliveries] = String(deliveries);
  return headers;
}

/** A short, single-line reason from whatever a handler threw. */
export function errorReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').slice(0, 500);
}
