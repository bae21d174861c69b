import jStat from 'jstat';
import { bootstrapCI } from '../../util/bootstrap.js';

/** The parts of jstat used here (its own typing, src/eval/jstat.d.ts, names only the t distribution). */
const J = jStat as unknown as {
  normal: { cdf(x: number, mean: number, sd: number): number; inv(p: number, mean: number, sd: number): number };
  binomial: { cdf(k: number, n: number, p: number): number };
};

/** Significance level and power every report uses: two-sided 5%, 80% power. */
export const ALPHA = 0.05;
export const POWER = 0.8;

const zOf = (p: number) => J.normal.inv(p, 0, 1);

/** Two-sided two-proportion z-test with the pooled proportion (x successes of n, per arm). */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): { z: number; p: number } {
  if (n1 === 0 || n2 === 0) return { z: 0, p: 1 };
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const diff = x1 / n1 - x2 / n2;
  if (se === 0) return { z: 0, p: diff === 0 ? 1 : 0 };
  const z = diff / se;
  return { z, p: 2 * (1 - J.normal.cdf(Math.abs(z), 0, 1)) };
}

/** Two-sided exact binomial sign test of wins against losses (ties left out), p = 0.5. */
export function signTest(wins: number, losses: number): number {
  const n = wins + losses;
  if (n === 0) return 1;
  return Math.min(1, 2 * J.binomial.cdf(Math.min(wins, losses), n, 0.5));
}

/** Percentile bootstrap 95% interval of a mean (util/bootstrap.ts), null when there is nothing to average. */
export function bootstrapMean(values: readonly number[], samples = 1000, seed = 7): { low: number; high: number } | null {
  return values.length === 0 ? null : bootstrapCI(values, samples, seed);
}

/**
 * Rankings each arm needs for a two-sided two-proportion test at ALPHA with POWER to tell p1 from
 * p2 (the normal-approximation formula); null when the observed rates are equal (no effect to size).
 */
export function abSampleSize(p1: number, p2: number): number | null {
  if (p1 === p2) return null;
  const mean = (p1 + p2) / 2;
  const a = zOf(1 - ALPHA / 2) * Math.sqrt(2 * mean * (1 - mean));
  const b = zOf(POWER) * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return Math.ceil(((a + b) / (p1 - p2)) ** 2);
}

/**
 * Interleaved rankings needed for the sign test to find a win share q ≠ 0.5 at ALPHA with POWER,
 * given that a share `decisive` of rankings has a winner; null when there is no effect to size.
 */
export function interleavingSampleSize(q: number, decisive: number): number | null {
  if (q === 0.5 || decisive <= 0) return null;
  const a = zOf(1 - ALPHA / 2) * 0.5;
  const b = zOf(POWER) * Math.sqrt(q * (1 - q));
  return Math.ceil(((a + b) / (q - 0.5)) ** 2 / decisive);
}
