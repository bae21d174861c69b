import { RerankError } from '../errors.js';
import { trecRanking } from './rank.js';

/**
 * trec_eval's form_res_rels.c: one query's run turned into the relevance of each retrieved document in
 * rank order, plus the counts every measure reads. Ported line by line, so each measure computes from
 * exactly the numbers trec_eval computes from.
 */

/** A retrieved document absent from the qrels. */
export const RELVALUE_NONPOOL = -1;
/** A retrieved document in the qrels with a negative value: in the pool, not judged (infAP's sample). */
export const RELVALUE_UNJUDGED = -2;

/** trec_eval's command-line parameters that change how a query is read (its EPI). */
export interface EvalParams {
  /** `-l`: smallest judgment that counts as relevant (default 1). */
  relevanceLevel: number;
  /** `-M`: documents per query kept after sorting (default: all). */
  maxRetrieved: number;
  /** `-J`: drop unjudged documents before measuring. */
  judgedOnly: boolean;
  /** `-N`: documents in the collection (only utility's 4th coefficient uses it). */
  numDocsInColl: number;
}

export const DEFAULT_PARAMS: EvalParams = { relevanceLevel: 1, maxRetrieved: Infinity, judgedOnly: false, numDocsInColl: 0 };

export interface ResRels {
  numRet: number;
  /** Judged documents with a value >= relevanceLevel (unjudged ones, < 0, never count). */
  numRel: number;
  numRelRet: number;
  numNonpool: number;
  numUnjudgedInPool: number;
  /** Relevance of each retrieved document in rank order (RELVALUE_* for the unjudged). */
  rels: Int32Array;
  /** The retrieved docids in the same order (alpha-nDCG needs the documents, not only their values). */
  docs: string[];
  /** Judged documents per relevance value 0..numRelLevels-1 (negative values are not counted). */
  relLevels: number[];
  numRelLevels: number;
}

/** One query's results in file order; duplicates kept so the -M rule below can see them. */
export interface TopicResults {
  docs: readonly string[];
  sims: ArrayLike<number>;
}

function duplicate(what: string, qid: string, docid: string): RerankError {
  return new RerankError('RERANK_BAD_INPUT', `${what}: document ${docid} appears twice for query ${qid} (trec_eval refuses such a query too)`);
}

/** Where the files came from, for the messages above. */
export interface Sources {
  qrels?: string;
  run?: string;
}

/**
 * Builds the ResRels of one query. `judged` is the query's qrels; `duplicateJudgment` a docid judged
 * twice for it (parseQrels records it), which, as in trec_eval, is an error only once the query is
 * evaluated. A docid listed twice in the run is an error when both copies are within -M.
 */
export function formResRels(p: EvalParams, qid: string, judged: ReadonlyMap<string, number>, results: TopicResults, duplicateJudgment?: string, sources: Sources = {}): ResRels {
  const order = trecRanking(results.docs, results.sims);
  const numResults = Math.min(order.length, p.maxRetrieved);
  const seen = new Set<string>();
  const ranked: string[] = new Array(numResults);
  for (let i = 0; i < numResults; i++) {
    const d = results.docs[order[i]];
    if (seen.has(d)) throw duplicate(sources.run ?? 'run', qid, d);
    seen.add(d);
    ranked[i] = d;
  }
  if (duplicateJudgment !== undefined) throw duplicate(sources.qrels ?? 'qrels', qid, duplicateJudgment);

  let maxRel = -Infinity;
  for (const r of judged.values()) if (r > maxRel) maxRel = r;
  const relLevels: number[] = new Array(Math.max(0, maxRel + 1)).fill(0);
  for (const r of judged.values()) if (r >= 0) relLevels[r]++;

  const rels = new Int32Array(numResults);
  let numRelRet = 0;
  let numNonpool = 0;
  let numUnjudged = 0;
  let numRet = numResults;
  let docs = ranked;
  for (let i = 0; i < numResults; i++) {
    const r = judged.get(ranked[i]);
    rels[i] = r === undefined ? RELVALUE_NONPOOL : r < 0 ? RELVALUE_UNJUDGED : r;
  }
  if (p.judgedOnly) {
    // Unjudged documents leave the ranking; the judged keep their relative order.
    let k = 0;
    docs = [];
    for (let i = 0; i < numResults; i++) {
      if (rels[i] < 0) continue;
      if (rels[i] >= p.relevanceLevel) numRelRet++;
      rels[k++] = rels[i];
      docs.push(ranked[i]);
    }
    numRet = k;
  } else {
    for (let i = 0; i < numResults; i++) {
      const r = rels[i];
      if (r === RELVALUE_NONPOOL) numNonpool++;
      else if (r === RELVALUE_UNJUDGED) numUnjudged++;
      else if (r >= p.relevanceLevel) numRelRet++;
    }
  }
  let numRel = 0;
  let numRelLevels = 0;
  for (let i = 0; i < relLevels.length; i++) {
    if (relLevels[i]) {
      numRelLevels = i + 1;
      if (i >= p.relevanceLevel) numRel += relLevels[i];
    }
  }
  return {
    numRet, numRel, numRelRet, numNonpool, numUnjudgedInPool: numUnjudged,
    rels: numRet === numResults ? rels : rels.subarray(0, numRet), docs, relLevels, numRelLevels,
  };
}
