import { describe, expect, it } from 'vitest';
import { redactUrl } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { quantiles } from './quantiles.ts';
import { childSpan, formatTraceparent, newTrace, parseTraceparent } from './trace.ts';

describe('telemetry', () => {
  it('redacts credentials in logged URLs', () => {
    expect(redactUrl('/v1/sfu?token=abc.def')).toBe('/v1/sfu?token=[redacted]');
    expect(redactUrl('/v1/rooms/r/ws?from=start&access_token=k123&x=1')).toBe(
      '/v1/rooms/r/ws?from=start&access_token=[redacted]&x=1',
    );
    expect(redactUrl('/v1/rooms/r/summary?mytoken=1')).toBe('/v1/rooms/r/summary?mytoken=1');
  });

  it('round-trips traceparent and keeps the trace id in child spans', () => {
    const t = newTrace();
    const c = childSpan(t);
    expect(parseTraceparent(formatTraceparent(c))).toEqual(c);
    expect(c.traceId).toBe(t.traceId);
    expect(c.spanId).not.toBe(t.spanId);
    expect(parseTraceparent('garbage')).toBeUndefined();
  });
  it('computes nearest-rank quantiles', () => {
    const q = quantiles(Array.from({ length: 100 }, (_, i) => i + 1));
    expect([q.p50, q.p95, q.p99]).toEqual([50, 95, 99]);
  });
  it('exposes stage latency in Prometheus text format', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.stageLatency.observe({ stage: 'asr_final' }, 0.2);
    expect(await m.registry.metrics()).toMatch(/mi_stage_latency_seconds_bucket\{le="0.2",stage="asr_final"\} 1/);
  });
});
