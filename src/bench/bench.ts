import { DEFAULT_LIMITS } from '../backends/onnx/cross-encoder.js';
import type { ModelFiles } from '../models/resolve.js';
import { rawOrtContender } from './raw-ort.js';
import { rerankitContender, transformersContender, usableContenders, type Contender, type ContenderName, type EngineOptions } from './contenders.js';
import { fidelity, type Fidelity } from './fidelity.js';
import { dimsFromConfig, workloadFlops, type EncoderDims } from './flops.js';
import { bucketedTokens, paddedTokens, workloadShape } from './lengths.js';
import { machineInfo, type MachineInfo } from './machine.js';
import { benchModelFiles, benchModelFolder } from './models.js';
import { MatMulPeak, type PeakResult } from './peak.js';
import { timeWorkload, type ContenderTiming } from './runner.js';
import { loadWords, makeWorkload, type Workload, type WorkloadName } from './workloads.js';

export interface BenchOptions extends EngineOptions {
  /** Preset name (minilm-l6, ...) or model folder. */
  model: string;
  workloads: WorkloadName[];
  dtypes: string[];
  /** Timed rounds per workload (default: per workload, see DEFAULT_RUNS). */
  runs?: number;
  compare: ('transformersjs' | 'ort')[];
  seed?: number;
  /** Square size of the matrix-multiply peak probe. */
  peakSize?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Things the user should see even without progress lines (a requested contender that cannot run). */
  warn?: (line: string) => void;
}

/** Enough rounds for a stable median in about the same wall time per workload. */
export const DEFAULT_RUNS: Record<WorkloadName, number> = { 'titles-1': 40, 'titles-10': 20, 'titles-100': 10, 'titles-1000': 3, 'passages-100': 5, 'long-20': 5 };

export interface ContenderResult extends ContenderTiming {
  /** Tokens fed to the model, padding included. */
  paddedTokens?: number;
  pairsPerSec: number;
  /** Real tokens (no padding) per second. */
  tokensPerSec: number;
  /** Useful FLOPs (real tokens only) per second at the median latency. */
  gflops: number;
  /** gflops ÷ the matmul peak, in %. */
  pctOfPeak: number;
  /** The same at the fastest round: best against best, what a quiet machine would show. */
  pctOfPeakBest: number;
}

export interface WorkloadResult {
  workload: WorkloadName;
  dtype: string;
  longDocuments: 'truncate' | 'chunk';
  pairs: number;
  /** Sequences run (pairs, or windows when chunking). */
  sequences: number;
  realTokens: number;
  gflop: number;
  contenders: Partial<Record<ContenderName, ContenderResult>>;
  /** Median latency of each other contender ÷ rerankit's: > 1 means rerankit is faster. */
  speedup: Partial<Record<ContenderName, number>>;
  /** For dtypes other than fp32 (when fp32 ran too): rerankit's scores against its fp32 scores. */
  fidelity?: Fidelity;
  /** For dtypes other than fp32: each other contender's fp32 median ÷ rerankit's median at this dtype. */
  speedupVsFp32?: Partial<Record<ContenderName, number>>;
  /** The process's peak resident memory so far (all contenders, all workloads up to this one). */
  processPeakMiB: number;
}

export interface BenchReport {
  machine: MachineInfo;
  model: { folder: string; hidden: number; layers: number; intermediate: number };
  settings: { threads: number | 'default'; graphOptimizationLevel: string; batch: { tokenBudget: number; maxBatch: number }; seed: number };
  peak: PeakResult;
  results: WorkloadResult[];
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => undefined);
  const o = { ...options, compare: await usableContenders(options.compare, options.warn ?? log) };
  const dir = await benchModelFolder(o.model, log);
  const peak = await MatMulPeak.create(o.peakSize ?? 1024, o);
  await peak.warmUp(3);
  for (let i = 0; i < 10; i++) await peak.sample();
  const results: WorkloadResult[] = [];
  const fp32Logits = new Map<WorkloadName, number[][]>();
  let dims: EncoderDims | undefined;
  // fp32 first, so the other dtypes' scores can be compared with it.
  for (const dtype of [...o.dtypes].sort((a, b) => Number(b === 'fp32') - Number(a === 'fp32'))) {
    const files = await benchModelFiles(dir, dtype, log);
    dims = dimsFromConfig(files.config);
    await runDtype(files, dtype, o, peak, (result, logits) => {
      const fp32 = results.find((r) => r.workload === result.workload && r.dtype === 'fp32');
      if (dtype === 'fp32') fp32Logits.set(result.workload, logits);
      else if (fp32) compareWithFp32(result, fp32, fidelity('fp32', fp32Logits.get(result.workload)!, logits));
      results.push(result);
    });
  }
  const peakResult = peak.result();
  await peak.close();
  for (const r of results) setPeakShares(r, peakResult);
  return {
    machine: await machineInfo(),
    model: { folder: dir, hidden: dims?.hidden ?? 0, layers: dims?.layers ?? 0, intermediate: dims?.intermediate ?? 0 },
    settings: { threads: o.threads ?? 'default', graphOptimizationLevel: o.graphOptimizationLevel ?? 'all', batch: { ...DEFAULT_LIMITS, ...o.batch }, seed: o.seed ?? 1 },
    peak: peakResult,
    results,
  };
}

/** Every workload at one dtype; contenders are loaded once and reused across workloads. */
async function runDtype(files: ModelFiles, dtype: string, o: BenchOptions, peak: MatMulPeak, done: (r: WorkloadResult, rerankitLogits: number[][]) => void): Promise<void> {
  const words = loadWords();
  const pool = new Map<string, Contender>();
  const get = async (key: string, make: () => Promise<Contender>) => pool.get(key) ?? pool.set(key, await make()).get(key)!;
  try {
    for (const name of o.workloads) {
      const w = makeWorkload(name, words, o.seed ?? 1);
      const contenders = [await get(`rerankit-${w.longDocuments}`, () => rerankitContender(files, dtype, w.longDocuments, o))];
      // The others truncate at 512 tokens; a chunked workload is different work, so rerankit runs alone there.
      if (w.longDocuments === 'truncate') {
        if (o.compare.includes('transformersjs')) contenders.push(await get('transformersjs', () => transformersContender(files, o)));
        if (o.compare.includes('ort')) contenders.push(await get('ort', () => rawOrtContender(files, o)));
      }
      const runs = o.runs ?? DEFAULT_RUNS[name];
      o.log?.(`${name} (${dtype}): ${w.docs.length} documents, ${runs} rounds × ${contenders.map((c) => c.name).join(', ')}`);
      const { timings, logits } = await timeWorkload(w, contenders, runs, peak);
      done(await summarizeWorkload(w, dtype, files, timings, o), logits.get('rerankit')!);
    }
  } finally {
    for (const c of pool.values()) await c.close();
  }
}

function compareWithFp32(r: WorkloadResult, fp32: WorkloadResult, f: Fidelity): void {
  r.fidelity = f;
  const own = r.contenders.rerankit!.latency.p50;
  r.speedupVsFp32 = Object.fromEntries(Object.entries(fp32.contenders).filter(([n]) => n !== 'rerankit').map(([n, c]) => [n, c.latency.p50 / own]));
}

function setPeakShares(r: WorkloadResult, peak: PeakResult): void {
  for (const c of Object.values(r.contenders)) {
    c.pctOfPeak = (100 * c.gflops) / peak.gflops;
    c.pctOfPeakBest = (100 * r.gflop) / (c.latency.min / 1000) / peak.gflops;
  }
}

async function summarizeWorkload(w: Workload, dtype: string, files: ModelFiles, timings: Map<ContenderName, ContenderTiming>, o: BenchOptions): Promise<WorkloadResult> {
  const shape = await workloadShape(files, w);
  const realTokens = shape.lengths.reduce((a, b) => a + b, 0);
  const flops = workloadFlops(dimsFromConfig(files.config), shape.lengths);
  const contenders: WorkloadResult['contenders'] = {};
  for (const [name, t] of timings) {
    const s = t.latency.p50 / 1000;
    const padded = name === 'rerankit' ? bucketedTokens(shape.lengths, { ...DEFAULT_LIMITS, ...o.batch }) : paddedTokens(shape.lengths);
    contenders[name] = { ...t, paddedTokens: padded, pairsPerSec: w.docs.length / s, tokensPerSec: realTokens / s, gflops: flops / s / 1e9, pctOfPeak: 0, pctOfPeakBest: 0 };
  }
  const base = timings.get('rerankit')!.latency.p50;
  const speedup = Object.fromEntries([...timings].filter(([n]) => n !== 'rerankit').map(([n, t]) => [n, t.latency.p50 / base]));
  const processPeakMiB = process.resourceUsage().maxRSS / 1024;
  return { workload: w.name, dtype, longDocuments: w.longDocuments, pairs: w.docs.length, sequences: shape.lengths.length, realTokens, gflop: flops / 1e9, contenders, speedup, processPeakMiB };
}
