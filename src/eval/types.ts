/** Data shapes shared by the evaluation modules. Plain maps so large collections stay cheap. */

/**
 * qid → docid → graded relevance (trec_eval keeps integers; negative means "in the pool, not judged").
 * `duplicates` (set by parseQrels) names, per query, a document judged twice: trec_eval accepts the file
 * and refuses only a query it evaluates, so evaluate() does the same.
 */
export type Qrels = Map<string, Map<string, number>> & { duplicates?: Map<string, string>; source?: string };

/**
 * qid → docid → score (higher is better; trec_eval ignores the rank column). parseRun also keeps
 * `runid` (the tag of the last line, which trec_eval prints) and, per query, the lines whose document
 * repeats an earlier one (`duplicates`): trec_eval refuses such a query only when it evaluates it, and
 * only if both copies fall within -M.
 */
export type Run = Map<string, Map<string, number>> & { runid?: string; duplicates?: Map<string, [string, number][]>; source?: string };

/** One query's results as read, in file order (duplicates kept): the columnar form the fast reader makes. */
export interface TopicRun {
  docs: string[];
  sims: number[];
}

/** A whole run in columnar form (readRunBytes, RunReader): cheaper than a Run for millions of lines. */
export interface RunTable {
  topics: Map<string, TopicRun>;
  runid: string;
  /** The file it was read from, for messages. */
  source?: string;
}

/** Diversity qrels (`qid subtopic docid rel`): qid → docid → subtopic → relevance, for alpha-nDCG. */
export type SubtopicQrels = Map<string, Map<string, Map<string, number>>>;

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
