/** Evaluation: trec_eval-exact measures and output, dataset loaders, run comparison and fusion, error analysis. */
export type { Qrels, Run, RunTable, TopicRun, SubtopicQrels, Scores, EvalResult, Doc, Dataset, CandidateList } from './types.js';
export { evaluate, evaluateTrec, formatTrecEval, toEvalResult, type EvaluateOptions, type TrecEvaluation } from './evaluate.js';
export { DEFAULT_MEASURES, parseMeasures, planMeasures, type MeasurePlan } from './measures.js';
export { ndcgAt, precisionAt, recallAt, successAt, reciprocalRank, averagePrecision, type QueryJudgments } from './metrics.js';
export { parseQrels, parseRun, parseSubtopicQrels, formatRun, parseTopics, runFromRankings, runFromTable } from './trec.js';
export { readRunBytes, RunReader } from './trec-read.js';
export { loadBeir } from './beir.js';
export { loadDataset, detectFormat } from './datasets.js';
export { parseCandidates, formatCandidates, candidatesRun } from './candidates.js';
export { compareRuns, compareMany, type CompareOptions, type Comparison, type MetricComparison, type CompareManyOptions, type MultiComparison, type PairComparison, type SignificanceTest } from './compare.js';
export { fuseRuns, optimizeFusion, type FuseRunsOptions, type OptimizeOptions, type Optimization } from './fuse.js';
export { analyzeRuns, type Analysis, type AnalyzeOptions, type QueryAnalysis, type ErrorClass } from './analyze.js';
export { pairedTTest, bootstrapCI, permutationTest, winTieLoss, bootstrapTest, holmAdjust, pairedEffectSize } from './stats.js';
