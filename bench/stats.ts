import { performance } from 'node:perf_hooks';

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface PoolResult {
  /** Milliseconds per task, indexed by task number. */
  latencies: number[];
  wallMs: number;
}

/**
 * Runs task(0..n-1) from c concurrent loops, each taking the next index as soon
 * as its previous task ends (closed-loop clients, like c users at a keyboard).
 * A task's latency is measured here; the first failure rejects the whole run.
 */
export async function runPool(n: number, c: number, task: (i: number) => Promise<void>): Promise<PoolResult> {
  const latencies: number[] = new Array<number>(n);
  let next = 0;
  const loop = async () => {
    while (next < n) {
      const i = next++;
      const started = performance.now();
      await task(i);
      latencies[i] = performance.now() - started;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(c, n) }, loop));
  return { latencies, wallMs: performance.now() - started };
}
