import { seededRandom } from '../util/random.js';

/** One query's documents: feature rows, graded labels, and per-document weights (IPW, interaction weight). */
export interface RankGroup { x: number[][]; y: number[]; w?: number[] }

export interface LambdaMartParams {
  iterations: number;
  learningRate: number;
  maxDepth: number;
  ndcgCutoff: number;
  /** L2 on leaf weights (XGBoost's lambda). */
  lambda: number;
  /** Minimum hessian sum in a child (XGBoost's min_child_weight). */
  minChildWeight: number;
  /** Fraction of features tried per tree (Metarank's `sampling`, XGBoost's colsample_bytree). */
  sampling: number;
  /** Most bins per feature (XGBoost's max_bin). */
  maxBin: number;
  seed: number;
}

export const DEFAULT_PARAMS: LambdaMartParams = { iterations: 100, learningRate: 0.1, maxDepth: 8, ndcgCutoff: 10, lambda: 1, minChildWeight: 1, sampling: 0.8, maxBin: 256, seed: 0 };

/** A regression tree in flat arrays; a node with feature −1 is a leaf holding `value`. */
export interface Tree { feature: number[]; threshold: number[]; defaultLeft: boolean[]; left: number[]; right: number[]; value: number[] }

export interface LambdaMartModel { kind: 'lambdamart'; features: string[]; trees: Tree[] }

export interface TrainProgress { iteration: number; millis: number; trainMetric: number; testMetric: number }

export function predictTree(t: Tree, x: ArrayLike<number>): number {
  let n = 0;
  while (t.feature[n]! >= 0) {
    const v = x[t.feature[n]!]!;
    n = (Number.isNaN(v) ? t.defaultLeft[n] : v <= t.threshold[n]!) ? t.left[n]! : t.right[n]!;
  }
  return t.value[n]!;
}

export function predict(m: LambdaMartModel, x: ArrayLike<number>): number {
  let s = 0;
  for (const t of m.trees) s += predictTree(t, x);
  return s;
}

const disc = (p: number): number => 1 / Math.log2(p + 2);
const gain = (y: number): number => 2 ** y - 1;

/** NDCG@k of one query for scores against labels; a query with no positive label counts as 1 (XGBoost's convention). */
export function ndcgAt(scores: ArrayLike<number>, labels: ArrayLike<number>, k: number): number {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const ideal = Array.from(labels).sort((a, b) => b - a);
  let dcg = 0;
  let idcg = 0;
  for (let p = 0; p < Math.min(k, n); p++) { dcg += gain(labels[order[p]!]!) * disc(p); idcg += gain(ideal[p]!) * disc(p); }
  return idcg === 0 ? 1 : dcg / idcg;
}

/** Quantile cut points per feature: a value v falls in bin 1 + (first cut ≥ v); bin 0 holds missing (NaN). */
function makeCuts(col: Float64Array, maxBin: number): Float64Array {
  const vals = col.filter((v) => !Number.isNaN(v)).sort(); // a typed array sorts numerically, natively
  const uniq: number[] = [];
  for (const v of vals) if (uniq.length === 0 || uniq[uniq.length - 1] !== v) uniq.push(v);
  if (uniq.length <= maxBin - 1) return Float64Array.from(uniq);
  const cuts: number[] = [];
  for (let b = 1; b < maxBin - 1; b++) {
    const v = vals[Math.floor((b * vals.length) / (maxBin - 1))]!;
    if (cuts.length === 0 || v > cuts[cuts.length - 1]!) cuts.push(v);
  }
  cuts.push(uniq[uniq.length - 1]!);
  return Float64Array.from(cuts);
}

function binOf(cuts: Float64Array, v: number): number {
  if (Number.isNaN(v)) return 0;
  let lo = 0;
  let hi = cuts.length - 1;
  if (v > cuts[hi]!) return cuts.length; // beyond the training range: the last bin
  while (lo < hi) { const mid = (lo + hi) >> 1; if (cuts[mid]! >= v) hi = mid; else lo = mid + 1; }
  return lo + 1;
}

/** The dataset as typed arrays: bins row-major (a histogram pass reads each row's bins together). */
class Binned {
  readonly n: number;
  readonly f: number;
  /**
   * Bin of each (row, feature) as an index into the flat histogram (the feature's offset + its bin);
   * 16-bit while the histogram has fewer than 65536 bins (it halves what a histogram pass reads).
   */
  readonly bins: Uint16Array | Uint32Array;
  readonly cuts: Float64Array[];
  /** Where each feature's bins start in a flat histogram, and the total bin count. */
  readonly offset: Int32Array;
  readonly total: number;
  constructor(rows: number[][], f: number, maxBin: number) {
    this.n = rows.length;
    this.f = f;
    const cols = Array.from({ length: f }, (_, j) => Float64Array.from(rows, (r) => r[j] ?? NaN));
    this.cuts = cols.map((col) => makeCuts(col, maxBin));
    this.offset = new Int32Array(f);
    let total = 0;
    for (let j = 0; j < f; j++) { this.offset[j] = total; total += this.cuts[j]!.length + 1; }
    this.total = total;
    this.bins = total < 65536 ? new Uint16Array(this.n * f) : new Uint32Array(this.n * f);
    for (let j = 0; j < f; j++) {
      const col = cols[j]!; const cuts = this.cuts[j]!; const o = this.offset[j]!;
      for (let i = 0; i < this.n; i++) this.bins[i * f + j] = o + binOf(cuts, col[i]!);
    }
  }
}

/**
 * LambdaRank gradients for NDCG@k over every pair of differently-labelled documents of each query
 * (pair weight |ΔNDCG| of swapping them at their current ranks), with the logistic pair loss as
 * XGBoost writes it: g = (σ − 1)·Δ, h = 2·σ(1 − σ)·Δ; a document weight scales the pairs it leads.
 */
function lambdas(groups: { start: number; y: Float64Array; w: Float64Array; byLabel: Int32Array; idcg: number; order: Int32Array; gains: Float64Array }[], score: Float64Array, k: number, g: Float64Array, h: Float64Array): number {
  let metric = 0;
  g.fill(0);
  h.fill(0);
  const rank = new Int32Array(Math.max(0, ...groups.map((q) => q.y.length)));
  const discAt = new Float64Array(rank.length).map((_, p) => (p < k ? disc(p) : 0));
  // The current query's arrays, set once per query (a pair reads them millions of times).
  let gains: Float64Array = new Float64Array(0); let w: Float64Array = gains; let idcg = 1;
  // exp(score − the query's top score) per document: σ(s_i − s_j) = e_i / (e_i + e_j), one exp per
  // document instead of one per pair (the pairs are most of the training time).
  const ex = new Float64Array(rank.length);
  const pair = (s0: number, i: number, j: number, di: number, dj: number): void => {
    if (di === dj) return;
    const delta = (gains[i]! - gains[j]!) * Math.abs(di - dj) * (w[i]! / idcg);
    const sum = ex[i]! + ex[j]!;
    // Both underflow only when both scores are ~745 below the top: fall back to the direct form.
    const p = sum > 0 ? ex[i]! / sum : 1 / (1 + Math.exp(score[s0 + j]! - score[s0 + i]!));
    const gij = (p - 1) * delta;
    const hij = Math.max(p * (1 - p), 1e-16) * 2 * delta;
    g[s0 + i] += gij; g[s0 + j] -= gij;
    h[s0 + i] += hij; h[s0 + j] += hij;
  };
  for (const q of groups) {
    const n = q.y.length;
    if (q.idcg === 0) { metric += 1; continue; }
    const s0 = q.start;
    // The order changes little between iterations: insertion sort from the last one is near linear.
    const idx = q.order;
    for (let a = 1; a < n; a++) {
      const v = idx[a]!; const sv = score[s0 + v]!;
      let b = a - 1;
      while (b >= 0 && (score[s0 + idx[b]!]! < sv || (score[s0 + idx[b]!]! === sv && idx[b]! > v))) { idx[b + 1] = idx[b]!; b--; }
      idx[b + 1] = v;
    }
    let dcg = 0;
    for (let r = 0; r < n; r++) { rank[idx[r]!] = r; if (r < k) dcg += q.gains[idx[r]!]! * discAt[r]!; }
    metric += dcg / q.idcg;
    // Pairs (i, j) with y_i > y_j only: documents in label order, each against those of lower labels.
    const by = q.byLabel;
    gains = q.gains; w = q.w; idcg = q.idcg;
    const top = score[s0 + idx[0]!]!;
    for (let a = 0; a < n; a++) ex[a] = Math.exp(score[s0 + a]! - top);
    for (let a = 0; a < n; a++) {
      const i = by[a]!;
      const yi = q.y[i]!;
      if (yi === 0) break;
      const di = discAt[rank[i]!]!;
      // Below the cutoff, only partners inside it change NDCG@k: walk the top k instead of all.
      if (di === 0) { for (let r = 0; r < Math.min(k, n); r++) { const j = idx[r]!; if (q.y[j]! < yi) pair(s0, i, j, di, discAt[r]!); } continue; }
      for (let b = a + 1; b < n; b++) {
        const j = by[b]!;
        if (q.y[j]! !== yi) pair(s0, i, j, di, discAt[rank[j]!]!);
      }
    }
  }
  return groups.length === 0 ? NaN : metric / groups.length;
}

interface Split { gain: number; feature: number; bin: number; defaultLeft: boolean }

/** Builds one tree depth-wise on gradient histograms (XGBoost's `hist`), with histogram subtraction. */
function growTree(d: Binned, g: Float64Array, h: Float64Array, p: LambdaMartParams, feats: number[], out: { gain: Float64Array; splits: Float64Array }): { tree: Tree; leafOf: Int32Array } {
  const tree: Tree = { feature: [], threshold: [], defaultLeft: [], left: [], right: [], value: [] };
  const leafOf = new Int32Array(d.n);
  const { bins, f, offset } = d;
  const newNode = (): number => { tree.feature.push(-1); tree.threshold.push(0); tree.defaultLeft.push(true); tree.left.push(-1); tree.right.push(-1); tree.value.push(0); return tree.feature.length - 1; };
  const fs = Int32Array.from(feats);
  const allFeatures = fs.length === f;
  // Gradient and hessian of a row side by side: a histogram pass reads both with one cache line.
  const gh = new Float64Array(d.n * 2);
  for (let i = 0; i < d.n; i++) { gh[2 * i] = g[i]!; gh[2 * i + 1] = h[i]!; }
  const hist = (rows: Int32Array, lo: number, hi: number): Float64Array => {
    const hh = new Float64Array(d.total * 2);
    if (allFeatures) {
      for (let r = lo; r < hi; r++) {
        const i = rows[r]!;
        const gi = gh[2 * i]!; const hi2 = gh[2 * i + 1]!;
        for (let j = i * f, end = j + f; j < end; j++) { const b = bins[j]! << 1; hh[b] += gi; hh[b + 1] += hi2; }
      }
    } else {
      for (let r = lo; r < hi; r++) {
        const i = rows[r]!;
        const gi = gh[2 * i]!; const hi2 = gh[2 * i + 1]!;
        const base = i * f;
        for (let k = 0; k < fs.length; k++) { const b = bins[base + fs[k]!]! << 1; hh[b] += gi; hh[b + 1] += hi2; }
      }
    }
    return hh;
  };
  const score = (G: number, H: number): number => (G * G) / (H + p.lambda);
  const minW = p.minChildWeight;
  const best = (hh: Float64Array, G: number, H: number): Split | undefined => {
    let top: Split | undefined;
    const parent = score(G, H);
    for (let k = 0; k < fs.length; k++) {
      const j = fs[k]!;
      const o = offset[j]! * 2;
      const nb = d.cuts[j]!.length + 1;
      const mg = hh[o]!; const mh = hh[o + 1]!;
      const missing = mg !== 0 || mh !== 0;
      let gl = 0; let hl = 0;
      for (let b = 1; b < nb - 1; b++) {
        gl += hh[o + b * 2]!; hl += hh[o + b * 2 + 1]!;
        // Missing values right (their own bin 0 outside [1, b]), then, when there are any, left.
        for (let m = 0; m < (missing ? 2 : 1); m++) {
          const GL = m === 1 ? gl + mg : gl; const HL = m === 1 ? hl + mh : hl;
          const GR = G - GL; const HR = H - HL;
          if (HL < minW || HR < minW) continue;
          const gain = score(GL, HL) + score(GR, HR) - parent;
          if (gain > 1e-12 && (top === undefined || gain > top.gain)) top = { gain, feature: j, bin: b, defaultLeft: m === 1 };
        }
      }
    }
    return top;
  };
  // One buffer of row ids; each node owns the range [lo, hi), split in place into left then right.
  const rows = new Int32Array(d.n);
  for (let i = 0; i < d.n; i++) rows[i] = i;
  const tmp = new Int32Array(d.n);
  type Pending = { node: number; lo: number; hi: number; hist: Float64Array; G: number; H: number };
  let G0 = 0; let H0 = 0;
  for (let i = 0; i < d.n; i++) { G0 += g[i]!; H0 += h[i]!; }
  let level: Pending[] = [{ node: newNode(), lo: 0, hi: d.n, hist: hist(rows, 0, d.n), G: G0, H: H0 }];
  for (let depth = 0; depth <= p.maxDepth && level.length > 0; depth++) {
    const next: Pending[] = [];
    for (const { node, lo, hi, hist: hh, G, H } of level) {
      const split = depth < p.maxDepth ? best(hh, G, H) : undefined;
      if (!split) {
        tree.value[node] = (-G / (H + p.lambda)) * p.learningRate;
        for (let r = lo; r < hi; r++) leafOf[rows[r]!] = node;
        continue;
      }
      out.gain[split.feature] += split.gain;
      out.splits[split.feature] += 1;
      const j = split.feature;
      let l = lo; let rr = 0;
      let GL = 0; let HL = 0;
      const off = offset[j]!;
      // Bin `off` is the feature's missing-value bin; bins off+1 .. off+split.bin go left.
      const cut = off + split.bin; const missingLeft = split.defaultLeft;
      for (let r = lo; r < hi; r++) {
        const i = rows[r]!;
        const b = bins[i * f + j]!;
        if (b === off ? missingLeft : b <= cut) { rows[l++] = i; GL += gh[2 * i]!; HL += gh[2 * i + 1]!; } else tmp[rr++] = i;
      }
      rows.set(tmp.subarray(0, rr), l);
      const ln = newNode(); const rn = newNode();
      tree.feature[node] = j;
      tree.threshold[node] = d.cuts[j]![split.bin - 1]!;
      tree.defaultLeft[node] = split.defaultLeft;
      tree.left[node] = ln; tree.right[node] = rn;
      if (depth + 1 === p.maxDepth) {
        // Children at the depth limit are leaves: they need sums, not histograms.
        next.push({ node: ln, lo, hi: l, hist: hh, G: GL, H: HL }, { node: rn, lo: l, hi, hist: hh, G: G - GL, H: H - HL });
        continue;
      }
      // The smaller child gets a fresh histogram; the larger one is the parent's minus it.
      const leftSmall = l - lo <= hi - l;
      const hs = leftSmall ? hist(rows, lo, l) : hist(rows, l, hi);
      for (let k = 0; k < hh.length; k++) hh[k] = hh[k]! - hs[k]!;
      next.push({ node: ln, lo, hi: l, hist: leftSmall ? hs : hh, G: GL, H: HL }, { node: rn, lo: l, hi, hist: leftSmall ? hh : hs, G: G - GL, H: H - HL });
    }
    level = next;
  }
  return { tree, leafOf };
}

type Group = Parameters<typeof lambdas>[0][number];

/** Per query: where its rows start, labels, weights, label order, ideal DCG@k, gains. */
function prepareGroups(train: RankGroup[], cutoff: number): Group[] {
  let start = 0;
  return train.map((q) => {
    const y = Float64Array.from(q.y);
    const byLabel = Int32Array.from(y.keys()).sort((a, b) => y[b]! - y[a]!);
    const ideal = Array.from(y).sort((a, b) => b - a);
    let idcg = 0;
    for (let r = 0; r < Math.min(cutoff, ideal.length); r++) idcg += gain(ideal[r]!) * disc(r);
    const out = { start, y, w: Float64Array.from(q.w ?? q.y.map(() => 1)), byLabel, idcg, order: Int32Array.from(y.keys()), gains: y.map(gain) };
    start += q.y.length;
    return out;
  });
}

/**
 * The LambdaRank gradient and hessian of every document for scores laid out query after query (what
 * one boosting round fits a tree to), and the mean NDCG@k of those scores. Exported for the tests.
 */
export function lambdaGradients(train: RankGroup[], scores: Float64Array, k: number): { g: Float64Array; h: Float64Array; ndcg: number } {
  const g = new Float64Array(scores.length); const h = new Float64Array(scores.length);
  const ndcg = lambdas(prepareGroups(train, k), scores, k, g, h);
  return { g, h, ndcg };
}

export interface TrainResult { model: LambdaMartModel; iterations: TrainProgress[]; gain: number[]; splits: number[] }

/** Trains LambdaMART: `iterations` trees, each fit to the LambdaRank gradients of the current scores. */
export function trainLambdaMart(train: RankGroup[], test: RankGroup[], features: string[], params: Partial<LambdaMartParams> = {}, onIteration?: (p: TrainProgress) => void): TrainResult {
  const p = { ...DEFAULT_PARAMS, ...params };
  const rows = train.flatMap((q) => q.x);
  const d = new Binned(rows, features.length, p.maxBin);
  const groups = prepareGroups(train, p.ndcgCutoff);
  const score = new Float64Array(d.n);
  const g = new Float64Array(d.n);
  const h = new Float64Array(d.n);
  const testScore = test.map((q) => new Float64Array(q.y.length));
  const imp = { gain: new Float64Array(features.length), splits: new Float64Array(features.length) };
  const rng = seededRandom(p.seed);
  const trees: Tree[] = [];
  const iterations: TrainProgress[] = [];
  const t0 = performance.now();
  const all = features.map((_, j) => j);
  // lambdas() measures the scores it is given, so iteration t's train metric comes with gradient t+1.
  let pendingMetric = (m: number): void => { void m; };
  for (let it = 0; it < p.iterations; it++) {
    pendingMetric(lambdas(groups, score, p.ndcgCutoff, g, h));
    const feats = p.sampling >= 1 ? all : sample(all, Math.max(1, Math.round(p.sampling * all.length)), rng);
    const { tree, leafOf } = growTree(d, g, h, p, feats, imp);
    trees.push(tree);
    for (let i = 0; i < d.n; i++) score[i] += tree.value[leafOf[i]!]!;
    test.forEach((q, qi) => q.x.forEach((x, i) => { testScore[qi]![i] += predictTree(tree, x); }));
    const testMetric = test.length === 0 ? NaN : mean(test.map((q, qi) => ndcgAt(testScore[qi]!, q.y, p.ndcgCutoff)));
    const iteration = it + 1;
    pendingMetric = (trainMetric) => {
      const prog = { iteration, millis: Math.round(performance.now() - t0), trainMetric, testMetric };
      iterations.push(prog);
      onIteration?.(prog);
    };
  }
  if (p.iterations > 0) pendingMetric(mean(groups.map((q) => ndcgAt(score.subarray(q.start, q.start + q.y.length), q.y, p.ndcgCutoff))));
  return { model: { kind: 'lambdamart', features, trees }, iterations, gain: Array.from(imp.gain), splits: Array.from(imp.splits) };
}

const mean = (xs: number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

function sample(xs: number[], k: number, rng: () => number): number[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(rng() * (i + 1)); [a[i], a[j]] = [a[j]!, a[i]!]; }
  return a.slice(0, k).sort((x, y) => x - y);
}
