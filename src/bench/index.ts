/**
 * `rerankit/bench`: the benchmark harness behind `rerankit bench`, and the generator of random-weight
 * models with real shapes it runs on. Its own entry point: the root `rerankit` export never loads it.
 */
export { runBench, DEFAULT_RUNS } from './bench.js';
export type { BenchOptions, BenchReport, WorkloadResult, ContenderResult } from './bench.js';
export { formatReport } from './report.js';
export { WORKLOADS, DEFAULT_WORDS, loadWords, makeWorkload, parseWorkloads } from './workloads.js';
export type { Workload, WorkloadName } from './workloads.js';
export { benchModelFolder, benchModelFiles } from './models.js';
export { benchDir, benchModelsDir } from './paths.js';
export { SHAPES, makeEncoderModel, makeMatMulModel, writeModelFolder } from './make-model.js';
export type { EncoderShape } from './make-model.js';
export type { ContenderName } from './contenders.js';
export type { MachineInfo } from './machine.js';
export type { PeakResult } from './peak.js';
export { runDecoderBench, formatDecoderReport, decoderFlops, decoderWorkload, decoderBenchFolder } from './decoder.js';
export type { DecoderBenchOptions, DecoderBenchReport, DecoderContender } from './decoder.js';
export { QWEN3_06B_4L, makeDecoderModel, writeDecoderFolder } from './make-decoder.js';
export type { DecoderShape } from './make-decoder.js';
export { benchExplain } from './explain.js';
export type { ExplainBenchOptions, ExplainBenchRow } from './explain.js';
