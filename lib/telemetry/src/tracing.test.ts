import { describe, expect, it } from 'vitest';
import { createTracing, inSpan, startSpanFrom, traceparentOf } from './tracing.ts';

describe('tracing', () => {
  it('chains spans across a traceparent hop into one trace', async () => {
    const t = createTracing({ service: 'test', exporter: 'memory' });
    const root = startSpanFrom(t.tracer, 'ingest', undefined);
    const hop = traceparentOf(root);
    await inSpan(t.tracer, 'deliver', hop, async () => {});
    root.end();
    const spans = t.memory?.getFinishedSpans() ?? [];
    expect(spans.map((s) => s.name).sort()).toEqual(['deliver', 'ingest']);
    const deliver = spans.find((s) => s.name === 'deliver');
    expect(deliver?.spanContext().traceId).toBe(root.spanContext().traceId);
    expect(deliver?.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    await t.shutdown();
  });

  it('records a failure on the span and rethrows', async () => {
    const t = createTracing({ service: 'test', exporter: 'memory' });
    await expect(inSpan(t.tracer, 'x', undefined, async () => Promise.reject(new Error('nope')))).rejects.toThrow(
      'nope',
    );
    expect(t.memory?.getFinishedSpans()[0]?.status.code).toBe(2);
  });
});
