import jStat from 'jstat';
import { seededRandom } from '../util/random.js';

const meanOf = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Two-sided paired t-test on per-query differences (same as scipy.stats.ttest_rel). */
export function pairedTTest(diffs: readonly number[]): { t: number; p: number } {
  const n = diffs.length;
  const m = meanOf(diffs);
  const variance = diffs.reduce((s, d) => s + (d - m) ** 2, 0) / (n - 1);
  if (n < 2 || variance === 0) return { t: m === 0 ? 0 : Math.sign(m) * Infinity, p: m === 0 || n < 2 ? 1 : 0 };
  const t = m / Math.sqrt(variance / n);
  return { t, p: 2 * (1 - jStat.studentt.cdf(Math.abs(t), n - 1)) };
}

/** Percentile bootstrap 95% interval of the mean difference (the one mechanism in util/bootstrap.ts). */
export { bootstrapCI } from '../util/bootstrap.js';

/**
 * Two-sided paired permutation (sign-flip) test of the mean difference. Exact when 2^n <= samples,
 * otherwise Monte Carlo with the (count + 1) / (samples + 1) estimate.
 */
export function permutationTest(diffs: readonly number[], samples = 10000, seed = 42): number {
  const n = diffs.length;
  const observed = Math.abs(meanOf(diffs)) - 1e-12; // tolerance: equal means count as "as extreme"
  let hits = 0;
  if (n <= 20 && 2 ** n <= samples) {
    for (let mask = 0; mask < 2 ** n; mask++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += mask & (1 << i) ? -diffs[i] : diffs[i];
      if (Math.abs(sum / n) >= observed) hits++;
    }
    return hits / 2 ** n;
  }
  const rand = seededRandom(seed);
  for (let s = 0; s < samples; s++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += rand() < 0.5 ? -diffs[i] : diffs[i];
    if (Math.abs(sum / n) >= observed) hits++;
  }
  return (hits + 1) / (samples + 1);
}

export function winTieLoss(diffs: readonly number[], eps = 1e-9): { wins: number; ties: number; losses: number } {
  return {
    wins: diffs.filter((d) => d > eps).length,
    ties: diffs.filter((d) => Math.abs(d) <= eps).length,
    losses: diffs.filter((d) => d < -eps).length,
  };
}

/**
 * Two-sided paired bootstrap test of the mean difference (Efron & Tibshirani 1993, §16.4; Sakai 2006):
 * resample the differences shifted to mean 0 and count means at least as far from 0 as the observed one;
 * (count + 1) / (samples + 1), seeded.
 */
export function bootstrapTest(diffs: readonly number[], samples = 10000, seed = 42): number {
  const n = diffs.length;
  if (n === 0) return 1;
  const m = meanOf(diffs);
  const shifted = diffs.map((d) => d - m);
  const observed = Math.abs(m) - 1e-12;
  const rand = seededRandom(seed);
  let hits = 0;
  for (let s = 0; s < samples; s++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += shifted[Math.floor(rand() * n)];
    if (Math.abs(sum / n) >= observed) hits++;
  }
  return (hits + 1) / (samples + 1);
}

/**
 * Holm–Bonferroni adjusted p-values (Holm 1979), in the input order: the i-th smallest p is multiplied
 * by (m − i + 1), made monotone, capped at 1. Rejecting where adjusted p <= alpha controls the
 * family-wise error rate at alpha.
 */
export function holmAdjust(ps: readonly number[]): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}

/** Cohen's d for paired samples (d_z): mean of the differences over their standard deviation (n − 1). */
export function pairedEffectSize(diffs: readonly number[]): number {
  const n = diffs.length;
  const m = n ? meanOf(diffs) : 0;
  const sd = n > 1 ? Math.sqrt(diffs.reduce((s, d) => s + (d - m) ** 2, 0) / (n - 1)) : 0;
  if (sd === 0) return m === 0 ? 0 : Math.sign(m) * Infinity;
  return m / sd;
}
