import { RerankError } from '../errors.js';
import { compareBytes } from './rank.js';
import { RELVALUE_NONPOOL, type EvalParams, type ResRels } from './res-rels.js';

/**
 * Measures beyond trec_eval, named as ir_measures names them, each defined as the tool ir_measures
 * delegates it to computes it; plus rerankit's MRR@k. They read the same ResRels (trec_eval's ranking:
 * score descending, ties by docid descending) and take the same -M/-J/-c treatment.
 */

export interface QueryContext {
  rr: ResRels;
  p: EvalParams;
  qid: string;
  /** docid → subtopic → judgment for this query (alpha-nDCG), when subtopic qrels were given. */
  subtopics?: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export interface ExtraMeasure {
  /** The key in results and output, e.g. `Judged@10`, `nDCG(dcg='exp-log2')@10`. */
  name: string;
  friendly?: string;
  compute(q: QueryContext): number;
  /** Reads subtopic qrels (alpha-nDCG). */
  subtopics?: boolean;
}

const cutoffOf = (k: number | undefined, n: number) => (k === undefined ? n : Math.min(k, n));

/**
 * Judged@k (ir_measures' judged provider, from OpenNIR): the share of the top k that has any judgment in
 * the qrels (negative ones included); a ranking shorter than k is divided by its length.
 */
export function judgedAt(k: number): ExtraMeasure {
  return {
    name: `Judged@${k}`,
    compute: ({ rr }) => {
      const n = Math.min(k, rr.numRet);
      if (n === 0) return 0;
      let judged = 0;
      for (let i = 0; i < n; i++) if (rr.rels[i] !== RELVALUE_NONPOOL) judged++;
      return judged / n;
    },
  };
}

/** Judged documents with a positive value, highest first, from ResRels' level counts. */
function idealGrades(rr: ResRels): number[] {
  const out: number[] = [];
  for (let lvl = rr.numRelLevels - 1; lvl > 0; lvl--) for (let c = 0; c < rr.relLevels[lvl]; c++) out.push(lvl);
  return out;
}

/**
 * nDCG with exponential gain, gdeval.pl's (TREC Web track; ir_measures' `nDCG(dcg='exp-log2')`):
 * gain 2^rel − 1 over positive judgments, discount log2(rank + 1), ideal from all positive judgments;
 * 0 for a query without one. Ignores -l, as trec_eval's ndcg does.
 */
export function ndcgExp(k?: number): ExtraMeasure {
  return {
    name: k === undefined ? "nDCG(dcg='exp-log2')" : `nDCG(dcg='exp-log2')@${k}`,
    compute: ({ rr }) => {
      const ideal = idealGrades(rr);
      let idcg = 0;
      for (let i = 0; i < cutoffOf(k, ideal.length); i++) idcg += (2 ** ideal[i] - 1) / Math.log2(i + 2);
      if (idcg === 0) return 0;
      let dcg = 0;
      for (let i = 0; i < cutoffOf(k, rr.numRet); i++) if (rr.rels[i] > 0) dcg += (2 ** rr.rels[i] - 1) / Math.log2(i + 2);
      return dcg / idcg;
    },
  };
}

/**
 * ERR@k (Chapelle et al. 2009) as gdeval.pl computes it: R = (2^g − 1) / 2^max with max the top grade
 * (gdeval fixes it at 4), ERR = Σ R_i Π_{j<i}(1 − R_j) / i. A judgment above max is refused, as gdeval
 * refuses it.
 */
export function err(k?: number, max = 4): ExtraMeasure {
  const name = `ERR${max === 4 ? '' : `(max=${max})`}${k === undefined ? '' : `@${k}`}`;
  return {
    name,
    compute: ({ rr, qid }) => {
      if (rr.numRelLevels - 1 > max) throw new RerankError('RERANK_BAD_INPUT', `${name}: query ${qid} has a judgment of ${rr.numRelLevels - 1}, above the top grade ${max} (give ERR(max=${rr.numRelLevels - 1}))`);
      let score = 0;
      let decay = 1;
      for (let i = 0; i < cutoffOf(k, rr.numRet); i++) {
        const g = rr.rels[i] > 0 ? rr.rels[i] : 0;
        const r = (2 ** g - 1) / 2 ** max;
        score += (r * decay) / (i + 1);
        decay *= 1 - r;
      }
      return score;
    },
  };
}

/**
 * RBP(p) (Moffat & Zobel 2008) with binary relevance at `rel` (default: -l), as cwl_eval computes it for
 * ir_measures' `RBP(p=…,rel=…)`: (1 − p) Σ_i rel_i p^(i−1).
 */
export function rbp(p: number, rel?: number): ExtraMeasure {
  return {
    name: `RBP(p=${p}${rel === undefined ? '' : `,rel=${rel}`})`,
    compute: (q) => {
      const level = rel ?? q.p.relevanceLevel;
      let sum = 0;
      let w = 1;
      for (let i = 0; i < q.rr.numRet; i++) {
        if (q.rr.rels[i] >= level) sum += w;
        w *= p;
      }
      return (1 - p) * sum;
    },
  };
}

/**
 * RBP's residual (Moffat & Zobel 2008, §4): the most RBP could still rise if every unjudged document in
 * the ranking and every one below it were relevant: (1 − p) Σ_{unjudged i} p^(i−1) + p^n.
 */
export function rbpResidual(p: number): ExtraMeasure {
  return {
    name: `RBP_resid(p=${p})`,
    compute: ({ rr }) => {
      let sum = 0;
      let w = 1;
      for (let i = 0; i < rr.numRet; i++) {
        if (rr.rels[i] < 0) sum += w;
        w *= p;
      }
      return (1 - p) * sum + w;
    },
  };
}

/**
 * alpha-nDCG@k (Clarke et al. 2008) as ndeval (TREC Web track; ir_measures' `alpha_nDCG`) computes it,
 * with its -traditional order (score, then docid descending): a document's gain is Σ over the subtopics
 * it is relevant to (judgment >= rel) of (1 − alpha)^(earlier documents relevant to that subtopic),
 * discount log2(rank + 1); the ideal ranking is ndeval's greedy one (best gain at each rank, ties to the
 * larger docid) over the query's judged documents.
 */
export function alphaNdcg(k: number, alpha = 0.5, rel = 1): ExtraMeasure {
  const params = [alpha !== 0.5 ? `alpha=${alpha}` : '', rel !== 1 ? `rel=${rel}` : ''].filter(Boolean).join(',');
  return {
    name: `alpha_nDCG${params ? `(${params})` : ''}@${k}`,
    subtopics: true,
    compute: ({ rr, subtopics }) => {
      if (!subtopics) return 0;
      const relevantTo = (doc: string): string[] => {
        const subs = subtopics.get(doc);
        const out: string[] = [];
        if (subs) for (const [s, j] of subs) if (j >= rel) out.push(s);
        return out;
      };
      const dcg = (docs: string[][]) => {
        const seen = new Map<string, number>();
        let sum = 0;
        docs.forEach((subs, i) => {
          let g = 0;
          for (const s of subs) {
            const c = seen.get(s) ?? 0;
            g += (1 - alpha) ** c;
            seen.set(s, c + 1);
          }
          sum += g / Math.log2(i + 2);
        });
        return sum;
      };
      // ndeval's greedy ideal ranking, k ranks deep.
      const pool = [...subtopics.keys()].map((doc) => ({ doc, subs: relevantTo(doc) })).filter((d) => d.subs.length > 0);
      const counts = new Map<string, number>();
      const ideal: string[][] = [];
      const used = new Set<number>();
      for (let rank = 0; rank < k && used.size < pool.length; rank++) {
        let best = -1;
        let bestGain = 0;
        pool.forEach((d, i) => {
          if (used.has(i)) return;
          let g = 0;
          for (const s of d.subs) g += (1 - alpha) ** (counts.get(s) ?? 0);
          if (best < 0 || g > bestGain || (g === bestGain && compareBytes(d.doc, pool[best].doc) > 0)) (best = i), (bestGain = g);
        });
        used.add(best);
        for (const s of pool[best].subs) counts.set(s, (counts.get(s) ?? 0) + 1);
        ideal.push(pool[best].subs);
      }
      const idcg = dcg(ideal);
      if (idcg === 0) return 0;
      return dcg(rr.docs.slice(0, Math.min(k, rr.numRet)).map(relevantTo)) / idcg;
    },
  };
}

/** rerankit's MRR@k: 1/rank of the first relevant document within the top k, else 0 (not in trec_eval). */
export function mrrCut(k: number): ExtraMeasure {
  return {
    name: `mrr_cut_${k}`,
    friendly: `MRR@${k}`,
    compute: ({ rr, p }) => {
      const end = Math.min(k, rr.numRet);
      for (let i = 0; i < end; i++) if (rr.rels[i] >= p.relevanceLevel) return 1 / (i + 1);
      return 0;
    },
  };
}
