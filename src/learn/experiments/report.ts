import type { ExperimentConfig } from './config.js';
import { creditClicks, type Team } from './interleave.js';
import { ALPHA, abSampleSize, bootstrapMean, interleavingSampleSize, signTest, twoProportionZ } from './stats.js';

/** What the tracker keeps per served ranking: who served it, what was shown, what got clicked. */
export interface ServedRanking {
  experiment: string;
  /** The model that served it (split), or null for an interleaved list. */
  variant: string | null;
  items: string[];
  /** Interleaving: the team of each position ('a' = the first model of `interleave`). */
  teams?: Team[];
  /** Positions clicked (0-based, each once), in click order. */
  clicks: number[];
}

type Interval = { low: number; high: number } | null;

/** One arm of a traffic split. A "session" here is one served ranking. */
export interface VariantReport {
  name: string;
  share: number;
  rankings: number;
  clicks: number;
  /** Rankings with at least one click. */
  clickedRankings: number;
  /** Share of rankings with at least one click, and its bootstrap 95% interval. */
  ctr: number;
  ctrInterval: Interval;
  /** Mean clicks in the top k per ranking. */
  clicksAtK: number;
  clicksAtKInterval: Interval;
  /** Mean reciprocal rank of the first click (0 for a ranking without clicks). */
  mrr: number;
  mrrInterval: Interval;
}

/** One model of an interleaving: rankings it won, tied and lost (ties: equal clicks, at least one). */
export interface InterleavingArm { name: string; wins: number; ties: number; losses: number; clicks: number }

export interface Significance {
  test: 'two-proportion z-test' | 'binomial sign test';
  /** What was compared: CTR of `variant` against the control, or the first model's wins against the second's. */
  compared: [string, string];
  statistic?: number;
  p: number;
  significant: boolean;
  /** The better of the two as observed (null when even). */
  leader: string | null;
  /** More rankings (all arms together) needed to reach ALPHA with 80% power at the observed effect; null: no effect seen yet. */
  sessionsNeeded: number | null;
}

export interface ExperimentReport {
  name: string;
  type: 'split' | 'interleave';
  by: 'user' | 'session';
  k: number;
  rankings: number;
  variants: (VariantReport | InterleavingArm)[];
  significance: Significance[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

function variantReport(name: string, share: number, recs: ServedRanking[], k: number, seed: number): VariantReport {
  const clicked: number[] = recs.map((r) => (r.clicks.length > 0 ? 1 : 0));
  const atK = recs.map((r) => r.clicks.filter((p) => p < k).length);
  const rr = recs.map((r) => (r.clicks.length ? 1 / (Math.min(...r.clicks) + 1) : 0));
  return {
    name, share, rankings: recs.length, clicks: recs.reduce((s, r) => s + r.clicks.length, 0), clickedRankings: clicked.reduce((s, x) => s + x, 0),
    ctr: mean(clicked), ctrInterval: bootstrapMean(clicked, 1000, seed),
    clicksAtK: mean(atK), clicksAtKInterval: bootstrapMean(atK, 1000, seed + 1),
    mrr: mean(rr), mrrInterval: bootstrapMean(rr, 1000, seed + 2),
  };
}

function splitReport(c: ExperimentConfig, recs: ServedRanking[]): Pick<ExperimentReport, 'variants' | 'significance'> {
  const total = c.variants!.reduce((s, v) => s + v.share, 0);
  const variants = c.variants!.map((v, i) => variantReport(v.name, v.share / total, recs.filter((r) => r.variant === v.name), c.k, 11 * (i + 1)));
  const [control, ...others] = variants;
  const significance = others.map((v): Significance => {
    const { z, p } = twoProportionZ(v.clickedRankings, v.rankings, control!.clickedRankings, control!.rankings);
    const perArm = v.rankings && control!.rankings ? abSampleSize(v.ctr, control!.ctr) : null;
    // Traffic T more rankings gives arm i about n_i + T·share_i; the slower-filling arm decides.
    const more = perArm === null ? null : Math.ceil(Math.max(0, (perArm - v.rankings) / v.share, (perArm - control!.rankings) / control!.share));
    const leader = v.ctr === control!.ctr ? null : v.ctr > control!.ctr ? v.name : control!.name;
    return { test: 'two-proportion z-test', compared: [v.name, control!.name], statistic: z, p, significant: p < ALPHA, leader, sessionsNeeded: more };
  });
  return { variants, significance };
}

function interleaveReport(c: ExperimentConfig, recs: ServedRanking[]): Pick<ExperimentReport, 'variants' | 'significance'> {
  const [a, b] = c.interleave!;
  let wa = 0, wb = 0, ties = 0, ca = 0, cb = 0;
  for (const r of recs) {
    const won = creditClicks(r.teams ?? [], r.clicks);
    if (won === 'a') wa++;
    else if (won === 'b') wb++;
    else if (won === 'tie') ties++;
    for (const p of r.clicks) (r.teams?.[p] === 'a' ? ca++ : cb++);
  }
  const p = signTest(wa, wb);
  const decisive = recs.length ? (wa + wb) / recs.length : 0;
  const need = wa + wb > 0 ? interleavingSampleSize(wa / (wa + wb), decisive) : null;
  return {
    variants: [
      { name: a, wins: wa, ties, losses: wb, clicks: ca },
      { name: b, wins: wb, ties, losses: wa, clicks: cb },
    ],
    significance: [{
      test: 'binomial sign test', compared: [a, b], p, significant: p < ALPHA,
      leader: wa === wb ? null : wa > wb ? a : b,
      sessionsNeeded: need === null ? null : Math.max(0, need - recs.length),
    }],
  };
}

/** The report of one experiment from its served rankings. */
export function report(c: ExperimentConfig, recs: ServedRanking[]): ExperimentReport {
  const body = c.interleave ? interleaveReport(c, recs) : splitReport(c, recs);
  return { name: c.name, type: c.interleave ? 'interleave' : 'split', by: c.by, k: c.k, rankings: recs.length, ...body };
}
