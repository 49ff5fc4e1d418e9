import { randomBytes } from 'node:crypto';

/**
 * W3C trace context carried in bus headers (`traceparent`) so one trace spans ingest to delivery.
 * Kept dependency-light: services that install an OpenTelemetry SDK can read the same header.
 */
export type TraceContext = { traceId: string; spanId: string; sampled: boolean };

export function newTrace(): TraceContext {
  return { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), sampled: true };
}

export function childSpan(parent: TraceContext): TraceContext {
  return { ...parent, spanId: randomBytes(8).toString('hex') };
}

export function formatTraceparent(t: TraceContext): string {
  return `00-${t.traceId}-${t.spanId}-${t.sampled ? '01' : '00'}`;
}

export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  const m = value?.match(/^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/);
  if (!m) return undefined;
  return { traceId: m[1]!, spanId: m[2]!, sampled: (Number.parseInt(m[3]!, 16) & 1) === 1 };
}
