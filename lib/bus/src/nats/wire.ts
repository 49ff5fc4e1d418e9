import { JetStreamApiError } from '@nats-io/jetstream';
import { errors, type MsgHdrs, headers as natsHeaders } from '@nats-io/transport-node';
import type { Headers } from '../types.ts';

/** Conversions between the bus's plain header records and nats.js MsgHdrs, plus error probing. */

export function toNatsHeaders(h: Headers | undefined): MsgHdrs | undefined {
  if (!h) return undefined;
  const entries = Object.entries(h);
  if (entries.length === 0) return undefined;
  const out = natsHeaders();
  for (const [k, v] of entries) out.set(k, v);
  return out;
}

export function fromNatsHeaders(h: MsgHdrs | undefined): Headers {
  const out: Headers = {};
  if (!h) return out;
  for (const [k, values] of h) {
    const v = values[0];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** JetStream API error code (e.g. 10059 stream not found), if the error carries one. */
export function apiCode(error: unknown): number | undefined {
  return error instanceof JetStreamApiError ? error.code : undefined;
}

export const apiCodes = {
  consumerNotFound: 10014,
  streamNotFound: 10059,
  streamNameInUse: 10058,
  noMessageFound: 10037,
  wrongLastSequence: 10071,
  wrongLastSequenceUnknown: 10164,
  /** "consumer filter subject is not a valid subset of the interest subjects" */
  filterNotSubset: 10093,
} as const;

export function isTimeout(error: unknown): boolean {
  return (
    error instanceof errors.TimeoutError ||
    (error instanceof Error && error.cause instanceof errors.TimeoutError) ||
    (error instanceof errors.RequestError && !error.isNoResponders() && error.message.includes('timeout'))
  );
}

export function isNoResponders(error: unknown): boolean {
  return (
    error instanceof errors.NoRespondersError ||
    (error instanceof errors.RequestError && error.isNoResponders()) ||
    (error instanceof Error && error.cause instanceof errors.NoRespondersError)
  );
}

export const msToNanos = (ms: number): number => Math.round(ms * 1_000_000);
