export const round2 = (n: number) => Math.round(n * 100) / 100;

export interface Percentiles {
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** Nearest-rank percentiles of latencies in ms, rounded to 0.01 ms; all 0 when there are none. */
export function percentiles(latencies: Float64Array | number[]): Percentiles {
  const sorted = Float64Array.from(latencies).sort();
  const at = (p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
  return { p50_ms: round2(at(50)), p90_ms: round2(at(90)), p99_ms: round2(at(99)), max_ms: round2(at(100)) };
}
