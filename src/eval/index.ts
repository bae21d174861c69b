/** Evaluation: trec_eval-exact metrics, dataset loaders, A/B comparison and error analysis. */
export type { Qrels, Run, Scores, EvalResult, Doc, Dataset, CandidateList } from './types.js';
export { evaluate, type EvaluateOptions } from './evaluate.js';
export { DEFAULT_MEASURES, parseMeasures } from './measures.js';
export { ndcgAt, precisionAt, recallAt, successAt, reciprocalRank, averagePrecision, type QueryJudgments } from './metrics.js';
export { parseQrels, parseRun, formatRun, parseTopics, runFromRankings } from './trec.js';
export { loadBeir } from './beir.js';
export { loadDataset, detectFormat } from './datasets.js';
export { parseCandidates, formatCandidates, candidatesRun } from './candidates.js';
export { compareRuns, type CompareOptions, type Comparison, type MetricComparison } from './compare.js';
export { analyzeRuns, type Analysis, type AnalyzeOptions, type QueryAnalysis, type ErrorClass } from './analyze.js';
export { pairedTTest, bootstrapCI, permutationTest, winTieLoss } from './stats.js';
