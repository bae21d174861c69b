import { RerankError } from '../errors.js';
import { RELVALUE_NONPOOL, RELVALUE_UNJUDGED, type EvalParams, type ResRels } from './res-rels.js';

/**
 * Every measure trec_eval 10.0 computes from TREC qrels and runs (its m_*.c files), in the order of
 * its measure table (measures.c), which is the order it prints them in. Each calc is a line-by-line port,
 * floating-point operations in the same order, so the doubles (and the printed 4 decimals) are the same.
 * Preference (-R prefs) and judgment-group (-R qrels_jg) measures need other file formats and are not
 * here.
 */

export interface PairParam {
  name: string;
  value: number;
}
export type ParamValues = number[] | PairParam[];

/** How init_meas lays the measure out (meas_init.c). */
export type MeasureKind = 'empty' | 's_long' | 's_double' | 'cut_long' | 'cut_double' | 'p_double' | 'p_pair';

export interface TrecMeasure {
  name: string;
  kind: MeasureKind;
  defaults: ParamValues;
  /** What print_single_meas writes per query: a value, nothing, or relstring's quoted string. */
  single: 'value' | 'none' | 'string';
  /** What print_final_and_cleanup_meas writes in the summary. */
  final: 'value' | 'none' | 'runid';
  /** Printed with %ld (a count) rather than %6.4f. */
  long?: boolean;
  /** calc_avg_meas: mean over queries, sum, geometric mean, or the special num_q / num_rel rules. */
  avg: 'mean' | 'sum' | 'gm' | 'num_q' | 'num_rel' | 'none';
  /** Writes the query's values into out[at...] (all zero on entry); relstring returns its string. */
  calc(rr: ResRels, params: ParamValues, p: EvalParams, out: Float64Array, at: number): void | string;
}

/** trec_eval's MIN_GEO_MEAN and INFAP_EPSILON (trec_eval.h). */
export const MIN_GEO_MEAN = 0.00001;
const INFAP_EPSILON = 0.00001;

const LONG_CUTOFFS = [5, 10, 15, 20, 30, 100, 200, 500, 1000];
const RECALL_POINTS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

/** C's MAX/MIN macros: with a NaN they return the second argument, unlike Math.max. */
const cmax = (a: number, b: number) => (a > b ? a : b);
const cmin = (a: number, b: number) => (a > b ? b : a);
/** C's lround: halves away from zero. */
const lround = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

function averagePrecisionSum(rr: ResRels, level: number): { sum: number; relSoFar: number } {
  let relSoFar = 0;
  let sum = 0.0;
  for (let i = 0; i < rr.numRet; i++) {
    if (rr.rels[i] >= level) {
      relSoFar++;
      sum += relSoFar / (i + 1);
    }
  }
  return { sum, relSoFar };
}

/** bpref as m_bpref.c computes it (gm_bpref reuses it). */
function bpref(rr: ResRels, level: number): number {
  let numNonrel = 0;
  for (let j = 0; j < level; j++) numNonrel += rr.relLevels[j] ?? 0;
  let nonrelSoFar = 0;
  let value = 0.0;
  for (let j = 0; j < rr.numRet; j++) {
    const r = rr.rels[j];
    if (r === RELVALUE_NONPOOL || r === RELVALUE_UNJUDGED) continue;
    if (r >= 0 && r < level) nonrelSoFar++;
    else if (nonrelSoFar > 0) value += 1.0 - cmin(nonrelSoFar, rr.numRel) / cmin(numNonrel, rr.numRel);
    else value += 1.0;
  }
  if (rr.numRel) value /= rr.numRel;
  return value;
}

/**
 * The loop of m_P.c and its relatives: for each cutoff (ascending), `at(cutoff, soFar)` where soFar is
 * the count of documents before the cutoff that `hit` accepts; cutoffs beyond the ranking see the total.
 */
function atCutoffs(rr: ResRels, cutoffs: number[], hit: (rel: number, i: number) => boolean, value: (i: number, soFar: number) => number, out: Float64Array, at: number): void {
  let ci = 0;
  let soFar = 0;
  for (let i = 0; i < rr.numRet; i++) {
    if (i === cutoffs[ci]) {
      out[at + ci] = value(i, soFar);
      if (++ci === cutoffs.length) break;
    }
    if (hit(rr.rels[i], i)) soFar++;
  }
  while (ci < cutoffs.length) {
    out[at + ci] = value(cutoffs[ci], soFar);
    ci++;
  }
}

/** setup_gains (gain_init.c): gains per relevance level, defaults equal to the level, sorted by gain. */
interface Gain {
  relLevel: number;
  gain: number;
  numAtLevel: number;
}

const validInt = (s: string) => /^[-+]?\d+$/.test(s);

export function setupGains(params: PairParam[], rr: ResRels): Gain[] {
  const gains: Gain[] = [];
  for (const pr of params) {
    if (!validInt(pr.name)) continue;
    gains.push({ relLevel: Number.parseInt(pr.name, 10), gain: pr.value, numAtLevel: 0 });
  }
  const given = gains.length;
  for (let i = 0; i < rr.numRelLevels; i++) {
    let j = 0;
    while (j < given && gains[j].relLevel !== i) j++;
    if (j < given) gains[j].numAtLevel = rr.relLevels[i];
    else gains.push({ relLevel: i, gain: i, numAtLevel: rr.relLevels[i] });
  }
  // comp_rel_gain returns (int)(g1 - g2): gains less than 1 apart compare equal (qsort kept them in order).
  return gains.sort((a, b) => Math.trunc(a.gain - b.gain));
}

function getGain(rel: number, gains: Gain[]): number {
  for (const g of gains) if (rel === g.relLevel) return g.gain;
  return 0.0;
}

/** The ideal ranking's walk over gain levels, shared by the DCG-family measures of m_ndcg.c & co. */
class IdealWalk {
  cur: number;
  gain: number;
  private numAtLevel = 0;
  constructor(private readonly gains: Gain[]) {
    this.cur = gains.length - 1;
    this.gain = this.cur >= 0 ? gains[this.cur].gain : 0.0;
  }
  /** Advances one rank; returns the ideal gain there. */
  step(): number {
    this.numAtLevel++;
    while (this.cur >= 0 && this.numAtLevel > this.gains[this.cur].numAtLevel) {
      this.numAtLevel = 1;
      this.cur--;
      this.gain = this.cur >= 0 ? this.gains[this.cur].gain : 0.0;
    }
    return this.gain;
  }
}

/** m_ndcg.c: results DCG and ideal DCG with gains from the parameters. */
function dcgPair(rr: ResRels, params: PairParam[]): { results: number; ideal: number } {
  const gains = setupGains(params, rr);
  const walk = new IdealWalk(gains);
  let results = 0.0;
  let ideal = 0.0;
  let i = 0;
  for (; i < rr.numRet && walk.gain > 0.0; i++) {
    const g = getGain(rr.rels[i], gains);
    if (g !== 0) results += g / Math.log2(i + 2);
    const ig = walk.step();
    if (ig > 0.0) ideal += ig / Math.log2(i + 2);
  }
  for (; i < rr.numRet; i++) {
    const g = getGain(rr.rels[i], gains);
    if (g !== 0) results += g / Math.log2(i + 2);
  }
  while (walk.gain > 0.0) {
    const ig = walk.step();
    if (ig > 0.0) ideal += ig / Math.log2(i + 2);
    i++;
  }
  return { results, ideal };
}

function ndcgRel(rr: ResRels, params: PairParam[]): number {
  const gains = setupGains(params, rr);
  const walk = new IdealWalk(gains);
  let resultsDcg = 0.0;
  let idealDcg = 0.0;
  let sum = 0.0;
  let numRelRet = 0;
  let numRel = 0;
  let i = 0;
  for (; i < rr.numRet && walk.gain > 0.0; i++) {
    const g = getGain(rr.rels[i], gains);
    if (g !== 0) resultsDcg += g / Math.log2(i + 2);
    const ig = walk.step();
    if (ig > 0.0) {
      numRel++;
      idealDcg += ig / Math.log2(i + 2);
    }
    if (g > 0) {
      sum += resultsDcg / idealDcg;
      numRelRet++;
    }
  }
  for (; i < rr.numRet; i++) {
    const g = getGain(rr.rels[i], gains);
    if (g !== 0) resultsDcg += g / Math.log2(i + 2);
    if (g > 0) {
      sum += resultsDcg / idealDcg;
      numRelRet++;
    }
  }
  while (walk.gain > 0.0) {
    const ig = walk.step();
    if (ig > 0.0) {
      numRel++;
      idealDcg += ig / Math.log2(i + 2);
    }
    i++;
  }
  sum += ((numRel - numRelRet) * resultsDcg) / idealDcg;
  return sum > 0.0 ? sum / numRel : 0;
}

function rndcg(rr: ResRels, params: PairParam[]): number {
  const gains = setupGains(params, rr);
  if (rr.numRel === 0) return 0;
  const walk = new IdealWalk(gains);
  let resultsDcg = 0.0;
  let idealDcg = 0.0;
  let sum = 0.0;
  let oldIdeal = walk.gain;
  let changes = 0;
  let i = 0;
  for (; i < rr.numRet && walk.gain > 0.0; i++) {
    const g = getGain(rr.rels[i], gains);
    const ig = walk.step();
    if (oldIdeal !== ig) {
      if (idealDcg > 0.0) {
        sum += resultsDcg / idealDcg;
        changes++;
      }
      oldIdeal = ig;
    }
    if (g !== 0) resultsDcg += g / Math.log2(i + 2);
    if (ig > 0.0) idealDcg += ig / Math.log2(i + 2);
  }
  if (i < rr.numRet) {
    for (; i < rr.numRet; i++) {
      const g = getGain(rr.rels[i], gains);
      if (g !== 0) resultsDcg += g / Math.log2(i + 2);
    }
    if (idealDcg > 0.0) {
      sum += resultsDcg / idealDcg;
      changes++;
    }
  }
  while (walk.gain > 0.0) {
    const ig = walk.step();
    if (oldIdeal !== ig) {
      if (idealDcg > 0.0) {
        sum += resultsDcg / idealDcg;
        changes++;
      }
      oldIdeal = ig;
    }
    if (ig > 0.0) idealDcg += ig / Math.log2(i + 2);
    i++;
  }
  return sum / changes;
}

function gMeasure(rr: ResRels, params: PairParam[]): number {
  const gains = setupGains(params, rr);
  const walk = new IdealWalk(gains);
  let resultsG = 0.0;
  let sumResults = 0.0;
  let sumIdeal = 0.0;
  let sumCost = 0.0;
  const minCost = 1.0;
  let i = 0;
  for (; i < rr.numRet && walk.gain > 0.0; i++) {
    const g = getGain(rr.rels[i], gains);
    sumResults += g;
    const ig = walk.step();
    if (ig > 0.0) sumIdeal += ig;
    sumCost += ig >= minCost ? ig : minCost;
    if (g !== 0) resultsG += g / Math.log2(2 + sumCost - sumResults);
  }
  for (; i < rr.numRet; i++) {
    const g = getGain(rr.rels[i], gains);
    sumResults += g;
    sumCost += minCost;
    if (g !== 0) resultsG += g / Math.log2(2 + sumCost - sumResults);
  }
  while (walk.gain > 0.0) {
    const ig = walk.step();
    if (ig > 0.0) sumIdeal += ig;
  }
  return sumIdeal > 0.0 ? resultsG / sumIdeal : 0;
}

/** Interpolated precision at recall points (m_iprec_at_recall.c; 11pt_avg sums the same values). */
function interpolatedPrecision(rr: ResRels, points: number[], level: number, store: (cut: number, value: number) => void): void {
  const cutoffs = points.map((x) => lround(x * rr.numRel));
  let cur = points.length - 1;
  while (cur >= 0 && cutoffs[cur] > rr.numRelRet) cur--;
  let precis = rr.numRelRet / rr.numRet;
  let intPrecis = precis;
  let relSoFar = rr.numRelRet;
  for (let i = rr.numRet; i > 0 && relSoFar > 0; i--) {
    precis = relSoFar / i;
    if (intPrecis < precis) intPrecis = precis;
    if (rr.rels[i - 1] >= level) {
      while (cur >= 0 && relSoFar === cutoffs[cur]) store(cur--, intPrecis);
      relSoFar--;
    }
  }
  while (cur >= 0) store(cur--, intPrecis);
}

function rbpParam(params: PairParam[], fallback: number): number {
  let p = fallback;
  for (const pr of params) if (pr.name === 'p') p = pr.value;
  return p;
}

const nums = (v: ParamValues) => v as number[];
const pairs = (v: ParamValues) => v as PairParam[];

const s = (name: string, calc: (rr: ResRels, p: EvalParams) => number, extra: Partial<TrecMeasure> = {}): TrecMeasure => ({
  name, kind: 's_double', defaults: [], single: 'value', final: 'value', avg: 'mean',
  calc: (rr, _v, p, out, at) => void (out[at] = calc(rr, p)), ...extra,
});
const count = (name: string, calc: (rr: ResRels) => number, extra: Partial<TrecMeasure> = {}): TrecMeasure =>
  s(name, calc, { kind: 's_long', long: true, avg: 'sum', ...extra });
const cut = (name: string, defaults: number[], calc: TrecMeasure['calc']): TrecMeasure =>
  ({ name, kind: 'cut_long', defaults, single: 'value', final: 'value', avg: 'mean', calc });
const pair = (name: string, calc: (rr: ResRels, v: PairParam[], p: EvalParams) => number): TrecMeasure =>
  ({ name, kind: 'p_pair', defaults: [], single: 'value', final: 'value', avg: 'mean', calc: (rr, v, p, out, at) => void (out[at] = calc(rr, pairs(v), p)) });

export const TREC_MEASURES: TrecMeasure[] = [
  { name: 'runid', kind: 'empty', defaults: [], single: 'none', final: 'runid', avg: 'none', calc: () => {} },
  count('num_q', () => 1, { single: 'none', avg: 'num_q' }),
  count('num_ret', (rr) => rr.numRet),
  count('num_rel', (rr) => rr.numRel, { avg: 'num_rel' }),
  count('num_rel_ret', (rr) => rr.numRelRet),
  s('map', (rr, p) => {
    const { sum, relSoFar } = averagePrecisionSum(rr, p.relevanceLevel);
    return relSoFar ? sum / rr.numRel : 0;
  }),
  s('gm_map', (rr, p) => {
    let { sum, relSoFar } = averagePrecisionSum(rr, p.relevanceLevel);
    if (relSoFar) sum = sum / rr.numRel;
    return Math.log(cmax(sum, MIN_GEO_MEAN));
  }, { single: 'none', avg: 'gm' }),
  s('Rprec', (rr, p) => {
    const look = cmin(rr.numRet, rr.numRel);
    if (look === 0) return 0;
    let relSoFar = 0;
    for (let i = 0; i < look; i++) if (rr.rels[i] >= p.relevanceLevel) relSoFar++;
    return relSoFar / rr.numRel;
  }),
  s('bpref', (rr, p) => bpref(rr, p.relevanceLevel)),
  s('recip_rank', (rr, p) => {
    let i = 0;
    while (i < rr.numRet && !(rr.rels[i] >= p.relevanceLevel)) i++;
    return i < rr.numRet ? 1.0 / (i + 1) : 0;
  }),
  {
    name: 'iprec_at_recall', kind: 'cut_double', defaults: RECALL_POINTS, single: 'value', final: 'value', avg: 'mean',
    calc: (rr, v, p, out, at) => interpolatedPrecision(rr, nums(v), p.relevanceLevel, (c, x) => void (out[at + c] = x)),
  },
  cut('P', LONG_CUTOFFS, (rr, v, p, out, at) => atCutoffs(rr, nums(v), (r) => r >= p.relevanceLevel, (i, soFar) => soFar / i, out, at)),
  {
    name: 'relstring', kind: 'p_double', defaults: [10], single: 'string', final: 'none', avg: 'none',
    calc: (rr, v) => {
      const len = Math.max(0, cmin(Math.trunc(nums(v)[0]), rr.numRet));
      let out = '';
      for (let i = 0; i < len; i++) {
        const r = rr.rels[i];
        out += r > 9 ? '>' : r >= 0 ? String(r) : r === RELVALUE_NONPOOL ? '-' : r === RELVALUE_UNJUDGED ? '.' : '<';
      }
      return out;
    },
  },
  cut('recall', LONG_CUTOFFS, (rr, v, p, out, at) => {
    if (rr.numRel === 0) return;
    atCutoffs(rr, nums(v), (r) => r >= p.relevanceLevel, (_i, soFar) => soFar / rr.numRel, out, at);
  }),
  s('infAP', (rr, p) => {
    let nonrel = 0;
    let rel = 0;
    let unjudged = 0;
    let value = 0.0;
    for (let j = 0; j < rr.numRet; j++) {
      const r = rr.rels[j];
      if (r === RELVALUE_NONPOOL) continue;
      if (r === RELVALUE_UNJUDGED) {
        unjudged++;
        continue;
      }
      if (r >= 0 && r < p.relevanceLevel) nonrel++;
      else {
        rel++;
        if (j === 0) value += 1.0;
        else {
          const fj = j;
          value += 1.0 / (fj + 1.0) + (fj / (fj + 1.0)) * ((rel - 1 + nonrel + unjudged) / fj) * ((rel - 1 + INFAP_EPSILON) / (rel - 1 + nonrel + 2 * INFAP_EPSILON));
        }
      }
    }
    if (rr.numRel) value /= rr.numRel;
    return value;
  }),
  s('gm_bpref', (rr, p) => Math.log(cmax(bpref(rr, p.relevanceLevel), MIN_GEO_MEAN)), { single: 'none', avg: 'gm' }),
  {
    name: 'Rprec_mult', kind: 'cut_double', defaults: [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0], single: 'value', final: 'value', avg: 'mean',
    calc: (rr, v, p, out, at) => {
      const percents = nums(v);
      // (long)(x * R + 0.9): Rprec_mult kept trec_eval 9's truncation.
      const cutoffs = percents.map((x) => Math.trunc(x * rr.numRel + 0.9));
      let cur = percents.length - 1;
      while (cur >= 0 && cutoffs[cur] > rr.numRet) {
        out[at + cur] = rr.numRelRet / cutoffs[cur];
        cur--;
      }
      let relSoFar = rr.numRelRet;
      for (let i = rr.numRet; i > 0 && relSoFar > 0; i--) {
        const precis = relSoFar / i;
        while (cur >= 0 && i === cutoffs[cur]) out[at + cur--] = precis;
        if (rr.rels[i - 1] >= p.relevanceLevel) relSoFar--;
      }
    },
  },
  {
    name: 'utility', kind: 'p_double', defaults: [1.0, -1.0, 0.0, 0.0], single: 'value', final: 'value', avg: 'mean',
    calc: (rr, v, p, out, at) => {
      const c = nums(v);
      if (c.length !== 4) throw new RerankError('RERANK_BAD_OPTION', 'utility needs exactly 4 coefficients (utility.a,b,c,d)');
      out[at] = c[0] * rr.numRelRet + c[1] * (rr.numRet - rr.numRelRet) + c[2] * (rr.numRel - rr.numRelRet) + c[3] * (p.numDocsInColl + rr.numRelRet - rr.numRet - rr.numRel);
    },
  },
  {
    name: '11pt_avg', kind: 'p_double', defaults: RECALL_POINTS, single: 'value', final: 'value', avg: 'mean',
    calc: (rr, v, p, out, at) => {
      let sum = 0.0;
      interpolatedPrecision(rr, nums(v), p.relevanceLevel, (_c, x) => void (sum += x));
      out[at] = sum / nums(v).length;
    },
  },
  s('binG', (rr, p) => {
    let relSoFar = 0;
    let sum = 0.0;
    for (let i = 0; i < rr.numRet; i++) {
      if (rr.rels[i] >= p.relevanceLevel) {
        relSoFar++;
        sum += 1.0 / Math.log2(3 + i - relSoFar);
      }
    }
    return relSoFar ? sum / rr.numRel : 0;
  }),
  pair('G', (rr, v) => gMeasure(rr, v)),
  pair('dcg', (rr, v) => dcgPair(rr, v).results),
  pair('ideal_dcg', (rr, v) => dcgPair(rr, v).ideal),
  pair('ndcg', (rr, v) => {
    const { results, ideal } = dcgPair(rr, v);
    return ideal > 0.0 ? results / ideal : 0;
  }),
  pair('ndcg_rel', (rr, v) => ndcgRel(rr, v)),
  pair('Rndcg', (rr, v) => rndcg(rr, v)),
  cut('ndcg_cut', LONG_CUTOFFS, (rr, v, _p, out, at) => {
    const cutoffs = nums(v);
    let ci = 0;
    let sum = 0.0;
    for (let i = 0; i < rr.numRet; i++) {
      if (i === cutoffs[ci]) {
        out[at + ci] = sum;
        if (++ci === cutoffs.length) break;
      }
      const gain = rr.rels[i];
      if (gain > 0) sum += gain / Math.log2(i + 2);
    }
    while (ci < cutoffs.length) out[at + ci++] = sum;
    ci = 0;
    let lvl = rr.numRelLevels - 1;
    let lvlCount = 0;
    let ideal = 0.0;
    for (let i = 0; ; i++) {
      lvlCount++;
      while (lvl > 0 && lvlCount > rr.relLevels[lvl]) {
        lvl--;
        lvlCount = 1;
      }
      if (lvl <= 0) break; // trec_eval stops at level 0 (and never enters with no level at all)
      if (i === cutoffs[ci]) {
        if (ideal > 0.0) out[at + ci] /= ideal;
        if (++ci === cutoffs.length) break;
      }
      ideal += lvl / Math.log2(i + 2);
    }
    while (ci < cutoffs.length) {
      if (ideal > 0.0) out[at + ci] /= ideal;
      ci++;
    }
  }),
  cut('map_cut', LONG_CUTOFFS, (rr, v, p, out, at) => {
    if (rr.numRel === 0) return;
    const cutoffs = nums(v);
    let ci = 0;
    let relSoFar = 0;
    let sum = 0.0;
    for (let i = 0; i < rr.numRet; i++) {
      if (i === cutoffs[ci]) {
        out[at + ci] = sum / rr.numRel;
        if (++ci === cutoffs.length) break;
      }
      if (rr.rels[i] >= p.relevanceLevel) {
        relSoFar++;
        sum += relSoFar / (i + 1);
      }
    }
    while (ci < cutoffs.length) out[at + ci++] = sum / rr.numRel;
  }),
  cut('relative_P', LONG_CUTOFFS, (rr, v, p, out, at) => {
    if (rr.numRel === 0) return;
    atCutoffs(rr, nums(v), (r) => r >= p.relevanceLevel, (i, soFar) => soFar / (i > rr.numRel ? rr.numRel : i), out, at);
  }),
  cut('success', [1, 5, 10], (rr, v, p, out, at) => atCutoffs(rr, nums(v), (r) => r >= p.relevanceLevel, (_i, soFar) => (soFar ? 1.0 : 0.0), out, at)),
  s('set_P', (rr) => (rr.numRet ? rr.numRelRet / rr.numRet : 0)),
  s('set_relative_P', (rr) => (rr.numRet && rr.numRel ? rr.numRelRet / cmin(rr.numRet, rr.numRel) : 0)),
  s('set_recall', (rr) => (rr.numRel ? rr.numRelRet / rr.numRel : 0)),
  s('set_map', (rr) => (rr.numRet && rr.numRel ? (rr.numRelRet * rr.numRelRet) / (rr.numRet * rr.numRel) : 0)),
  {
    name: 'set_F', kind: 'p_double', defaults: [1.0], single: 'value', final: 'value', avg: 'mean',
    calc: (rr, v, _p, out, at) => {
      if (!rr.numRelRet) return;
      const P = rr.numRelRet / rr.numRet;
      const R = rr.numRelRet / rr.numRel;
      const x = nums(v)[0];
      out[at] = ((x + 1.0) * P * R) / (x * P + R);
    },
  },
  count('num_nonrel_judged_ret', (rr) => rr.numRet - rr.numNonpool - rr.numUnjudgedInPool - rr.numRelRet),
  s('yaap', (rr, p) => {
    const { sum } = averagePrecisionSum(rr, p.relevanceLevel);
    return Math.log((1.0 + sum) / (1.0 + rr.numRel - sum));
  }),
  pair('rbp', (rr, v) => {
    const p = rbpParam(v, 0.9);
    const gains = setupGains(v, rr);
    // m_rbp.c reads min and max uninitialised; the intended rule: if a gain is outside [0, 1], min-max
    // scale all gains to [0, 1] (trec_eval's own test outputs agree with this reading).
    let min = Infinity;
    let max = -Infinity;
    for (const g of gains) {
      if (g.gain < min) min = g.gain;
      if (g.gain > max) max = g.gain;
    }
    if (min < 0 || max > 1) for (const g of gains) g.gain = (g.gain - min) / (max - min);
    let sum = 0.0;
    let curP = 1.0;
    for (let i = 0; i < rr.numRet; i++) {
      const gain = getGain(rr.rels[i], gains);
      if (gain !== 0) sum += gain * curP;
      curP = curP * p;
    }
    return (1.0 - p) * sum;
  }),
  pair('rbp_resid', (rr, v) => {
    const p = rbpParam(v, 0.9);
    let unj = 0;
    let sum = 0.0;
    let curP = 1.0;
    for (let i = 0; i < rr.numRet; i++) {
      if (rr.rels[i] < 0) {
        unj++;
        sum += curP;
      }
      curP = curP * p;
    }
    return unj ? curP + (1 - p) * sum : 0;
  }),
  cut('unj', [5, 10, 20], (rr, v, _p, out, at) => atCutoffs(rr, nums(v), (r) => r === RELVALUE_NONPOOL || r === RELVALUE_UNJUDGED, (i, soFar) => soFar / i, out, at)),
];

export const TREC_MEASURE_BY_NAME = new Map(TREC_MEASURES.map((m) => [m.name, m]));

/** trec_eval's nicknames (measures.c): `-m official` is its default, `-m all_trec` everything above. */
export const NICKNAMES: Record<string, string[]> = {
  official: ['runid', 'num_q', 'num_ret', 'num_rel', 'num_rel_ret', 'map', 'gm_map', 'Rprec', 'bpref', 'recip_rank', 'iprec_at_recall', 'P'],
  set: ['runid', 'num_q', 'num_ret', 'num_rel', 'num_rel_ret', 'utility', 'set_P', 'set_recall', 'set_relative_P', 'set_map', 'set_F'],
  all_trec: [
    'runid', 'num_q', 'num_ret', 'num_rel', 'num_rel_ret', 'map', 'gm_map', 'Rprec', 'bpref', 'recip_rank', 'iprec_at_recall', 'P', 'relstring',
    'recall', 'unj', 'rbp', 'rbp_resid', 'infAP', 'gm_bpref', 'utility', '11pt_avg', 'ndcg', 'relative_P', 'Rprec_mult', 'success',
    'map_cut', 'ndcg_cut', 'ndcg_rel', 'Rndcg', 'binG', 'G', 'set_P', 'set_recall', 'set_relative_P', 'set_map', 'set_F', 'num_nonrel_judged_ret',
  ],
};

/** Nicknames of trec_eval's preference and judgment-group formats, which need -R prefs / qrels_jg files. */
export const OTHER_FORMAT_NICKNAMES = ['all_prefs', 'prefs', 'qrels_jg'];
