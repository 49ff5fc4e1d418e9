/** p50/p95/p99 of a sample list (nearest-rank), for benchmarks and reports. */
export function quantiles(values: number[]): { p50: number; p95: number; p99: number; n: number; mean: number } {
  if (values.length === 0) return { p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, n: 0, mean: Number.NaN };
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), n: s.length, mean: s.reduce((a, b) => a + b, 0) / s.length };
}
