import { scoreOf } from '../backends/onnx/heads.js';

/** How far a cheaper variant's scores (int8, fp16) stray from the fp32 reference on one workload. */
export interface Fidelity {
  vs: string;
  meanAbsScoreDiff: number;
  maxAbsScoreDiff: number;
  /** Spearman rank correlation of the two score lists (1 = same order). */
  spearman: number;
  /** Share of the reference's top 10 that the variant also ranks in its top 10. */
  top10Overlap: number;
}

export function fidelity(vs: string, refLogits: number[][], logits: number[][]): Fidelity {
  const a = refLogits.map(scoreOf);
  const b = logits.map(scoreOf);
  const diffs = a.map((x, i) => Math.abs(x - b[i]));
  const k = Math.min(10, a.length);
  const topA = new Set(topK(a, k));
  return {
    vs,
    meanAbsScoreDiff: diffs.reduce((s, d) => s + d, 0) / diffs.length,
    maxAbsScoreDiff: Math.max(...diffs),
    spearman: a.length < 2 ? 1 : pearson(ranks(a), ranks(b)),
    top10Overlap: topK(b, k).filter((i) => topA.has(i)).length / k,
  };
}

function topK(xs: number[], k: number): number[] {
  return xs.map((x, i) => [x, i]).sort((p, q) => q[0] - p[0]).slice(0, k).map(([, i]) => i);
}

/** Ranks with ties averaged, so Pearson on them is Spearman's rho. */
export function ranks(xs: number[]): number[] {
  const order = xs.map((x, i) => [x, i]).sort((p, q) => p[0] - q[0]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let t = i; t <= j; t++) r[order[t][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

function pearson(x: number[], y: number[]): number {
  const mean = (v: number[]) => v.reduce((s, a) => s + a, 0) / v.length;
  const [mx, my] = [mean(x), mean(y)];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  x.forEach((xi, i) => {
    sxy += (xi - mx) * (y[i] - my);
    sxx += (xi - mx) ** 2;
    syy += (y[i] - my) ** 2;
  });
  return sxx && syy ? sxy / Math.sqrt(sxx * syy) : 1;
}
