import { seededRandom } from './random.js';

/**
 * Percentile bootstrap 95% interval of a mean, seeded so a report repeats exactly. One mechanism for
 * evaluation (per-query metric differences) and online experiments (per-ranking click values).
 */
export function bootstrapCI(values: readonly number[], samples = 10000, seed = 42): { low: number; high: number } {
  const rand = seededRandom(seed);
  const n = values.length;
  const means = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(rand() * n)]!;
    means[s] = sum / n;
  }
  means.sort();
  return { low: means[Math.floor(0.025 * (samples - 1))]!, high: means[Math.ceil(0.975 * (samples - 1))]! };
}
