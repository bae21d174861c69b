/** Data shapes shared by the evaluation modules. Plain maps so large collections stay cheap. */

/** qid → docid → graded relevance (trec_eval keeps integers; negative means "judged as unjudged"). */
export type Qrels = Map<string, Map<string, number>>;

/** qid → docid → score (higher is better; trec_eval ignores the rank column). */
export type Run = Map<string, Map<string, number>>;

/** measure name → value, for one query or averaged over all. */
export type Scores = Record<string, number>;

export interface EvalResult {
  all: Scores;
  per_query: Record<string, Scores>;
}

export interface Doc {
  id: string;
  text: string;
  title?: string;
}

/** A labelled test collection: documents, queries and judgments. */
export interface Dataset {
  name: string;
  docs: Doc[];
  /** qid → query text. */
  queries: Map<string, string>;
  qrels: Qrels;
  /** The collection's own first-stage candidates, for rerank-only collections (NovelEval). */
  candidates?: CandidateList[];
}

/** One query with its first-stage candidates, for rerank-only evaluation. */
export interface CandidateList {
  qid: string;
  query: string;
  candidates: { docid: string; text: string; score?: number }[];
}
