import { rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DecoderReranker } from '../backends/onnx/decoder/reranker.js';
import { PRESETS, parseTemplate, render } from '../backends/onnx/decoder/recipe.js';
import { RerankError } from '../errors.js';
import type { ContenderName, Contender, EngineOptions } from './contenders.js';
import { importTransformers } from './contenders.js';
import { machineInfo, type MachineInfo } from './machine.js';
import { QWEN3_06B_4L, writeDecoderFolder, type DecoderShape } from './make-decoder.js';
import { ASSETS, benchModelsDir, writeAtomically } from './paths.js';
import { quantizeFolder } from '../quantize/folder.js';
import { MatMulPeak, type PeakResult } from './peak.js';
import { timeWorkload, type ContenderTiming } from './runner.js';
import { loadWords, phrase, seeded, type Workload } from './workloads.js';

/** The three ways of scoring one request that the decoder benchmark compares. */
export const DECODER_CONTENDERS = ['rerankit (prefix cache)', 'rerankit (no cache)', 'transformersjs'] as const;
export type DecoderContender = (typeof DECODER_CONTENDERS)[number];

export const DECODER_TOKENIZER = join(ASSETS, 'qwen3-reranker-tiny');
const FIXTURE_VOCAB = 3261;

export interface DecoderBenchOptions extends EngineOptions {
  /** Layers of the generated Qwen3-0.6B-width model (default 4; speed per layer scales). */
  layers?: number;
  /** LM head / embedding rows (default: the fixture tokenizer's 3,261; 151669 for Qwen3's real head). */
  vocab?: number;
  /** Documents in the request (default 20) and words per document (default 90–110). */
  docs?: number;
  words?: [number, number];
  runs?: number;
  seed?: number;
  /** rerankit's ONNX variant: fp32 (default) or int8 (`rerankit quantize` on the generated model, on demand). Transformers.js stays at fp32. */
  dtype?: 'fp32' | 'int8';
  /** Compare with Transformers.js (skipped with a warning when it is not installed). */
  transformersjs?: boolean;
  peakSize?: number;
  log?: (line: string) => void;
  warn?: (line: string) => void;
}

export interface DecoderContenderResult extends ContenderTiming {
  /** Useful FLOPs of scoring the prompts (each whole, real tokens only) ÷ the median latency. */
  gflops: number;
  /** FLOPs this contender actually executes (the prefix once with the cache; padding excluded) ÷ the median latency. */
  executedGflops: number;
  /** executedGflops ÷ the matmul peak, at the median and at the fastest round, in %. */
  pctOfPeak: number;
  pctOfPeakBest: number;
  /** Largest |logit − the no-cache path's| over [no, yes] of every document. */
  maxAbsLogitDiff?: number;
}

export interface DecoderBenchReport {
  machine: MachineInfo;
  model: { folder: string } & DecoderShape;
  workload: { documents: number; promptTokens: number; shortest: number; longest: number; sharedPrefix: number };
  settings: { threads: number | 'default'; runs: number; seed: number; dtype: string };
  /** int8 runs: rerankit's int8 scores (no cache) against its fp32 scores, over the documents. */
  fidelity?: { meanAbsScoreDiff: number; maxAbsScoreDiff: number };
  peak: PeakResult;
  flops: { useful: number; withPrefixCache: number };
  contenders: Partial<Record<DecoderContender, DecoderContenderResult>>;
  /** Median latency ratios: > 1 means the first is faster. */
  speedups: { cacheOverNoCache: number; cacheOverTransformersjs?: number; noCacheOverTransformersjs?: number };
}

/** The generated model's folder in the bench cache (written on first use). Its name says "reranker", so detection picks qwen3-reranker. */
export async function decoderBenchFolder(shape: DecoderShape, log: (line: string) => void = () => undefined): Promise<string> {
  const dir = join(benchModelsDir(), `qwen3-0.6b-width-reranker-${shape.layers}l-v${shape.vocab}`);
  if (!(await stat(join(dir, 'onnx', 'model.onnx')).then(() => true, () => false))) {
    log(`generating a Qwen3-0.6B-width decoder (${shape.layers} layers, vocab ${shape.vocab}) in ${dir}`);
    await rm(dir, { recursive: true, force: true });
    await writeAtomically(dir, (tmp) => writeDecoderFolder(tmp, shape, DECODER_TOKENIZER));
  }
  return dir;
}

/** One query (4–9 words) and `docs` documents of ~100 words, generated from a seed like every bench workload. */
export function decoderWorkload(seed = 1, docs = 20, words: [number, number] = [90, 110]): Workload {
  const vocab = loadWords();
  const rand = seeded(seed * 1000003 + 13);
  const between = ([lo, hi]: [number, number]) => lo + Math.floor(rand() * (hi - lo + 1));
  const query = phrase(vocab, rand, between([4, 9]), false);
  return { name: 'llm-20' as never, query, docs: Array.from({ length: docs }, () => phrase(vocab, rand, between(words), true)), longDocuments: 'truncate' };
}

/**
 * FLOPs (1 FMA = 2) of running `n` new tokens of one prompt through a Qwen3 decoder, after `past` cached
 * ones, and its LM head on the last position only:
 *   per layer: n · 2·(H·(heads + 2·kv)·D + heads·D·H + 3·H·I)   projections and the gated MLP
 *            + 4·heads·D · Σ keys attended                     Q·Kᵀ and P·V, causal: token i sees past + i + 1 keys
 *   once:      2·H·vocab                                        the LM head on one position
 * Norms, rotary, softmax and SiLU are O(n·H) and left out, as for encoders (flops.ts).
 */
export function decoderFlops(s: DecoderShape, n: number, past = 0): number {
  const D = s.headDim;
  const proj = 2 * (s.hidden * (s.heads + 2 * s.kvHeads) * D + s.heads * D * s.hidden + 3 * s.hidden * s.intermediate);
  const keys = n * past + (n * (n + 1)) / 2;
  return s.layers * (n * proj + 4 * s.heads * D * keys) + 2 * s.hidden * s.vocab;
}

export async function runDecoderBench(o: DecoderBenchOptions = {}): Promise<DecoderBenchReport> {
  const log = o.log ?? (() => undefined);
  const shape: DecoderShape = { ...QWEN3_06B_4L, layers: o.layers ?? QWEN3_06B_4L.layers, vocab: o.vocab ?? FIXTURE_VOCAB };
  const dir = await decoderBenchFolder(shape, log);
  const dtype = o.dtype ?? 'fp32';
  if (dtype === 'int8' && !(await stat(join(dir, 'onnx', 'model_quantized.onnx')).then(() => true, () => false))) {
    log('writing onnx/model_quantized.onnx (rerankit quantize)');
    await quantizeFolder(dir);
  }
  const w = decoderWorkload(o.seed ?? 1, o.docs ?? 20, o.words);
  const fidelity = dtype === 'int8' ? await int8Fidelity(dir, w) : undefined;
  // 2048: at 1024 the probe sits below what the model's own [~1000 × 1024] × [1024 × 3072] multiplies reach here.
  const peak = await MatMulPeak.create(o.peakSize ?? 2048, o);
  await peak.warmUp(3);
  for (let i = 0; i < 10; i++) await peak.sample();
  const contenders: Contender[] = [await rerankitContender(dir, true, dtype, o), await rerankitContender(dir, false, dtype, o)];
  const probe = await DecoderReranker.load(dir, { prefixCache: false });
  const prompts = (await probe.prompts(w.docs.map((d) => [w.query, d]))).map(([p]) => p!);
  await probe.close();
  if (o.transformersjs !== false) {
    if (await importTransformers()) contenders.push(await transformersCausalContender(dir, o));
    else (o.warn ?? log)('skipping transformersjs: @huggingface/transformers is not installed (it is an optional dev dependency)');
  }
  const runs = o.runs ?? 3;
  log(`${w.docs.length} documents, ${prompts.reduce((n, p) => n + p.length, 0)} prompt tokens, ${runs} rounds × ${contenders.map((c) => c.name).join(', ')}`);
  let timings: Map<ContenderName, ContenderTiming>;
  let logits: Map<ContenderName, number[][]>;
  try {
    ({ timings, logits } = await timeWorkload(w, contenders, runs, peak, (r) => log(`round ${r}/${runs}`)));
  } finally {
    for (const c of contenders) await c.close();
  }
  const peakResult = peak.result();
  await peak.close();
  const shared = sharedPrefix(prompts);
  const useful = prompts.reduce((n, p) => n + decoderFlops(shape, p.length), 0);
  const withCache = decoderFlops(shape, shared) + prompts.reduce((n, p) => n + decoderFlops(shape, p.length - shared, shared), 0);
  const ref = logits.get('rerankit (no cache)' as ContenderName)!;
  const results: DecoderBenchReport['contenders'] = {};
  for (const [name, t] of timings) {
    const executed = name === ('rerankit (prefix cache)' as ContenderName) ? withCache : useful;
    const s = t.latency.p50 / 1000;
    results[name as DecoderContender] = {
      ...t,
      gflops: useful / s / 1e9,
      executedGflops: executed / s / 1e9,
      pctOfPeak: (100 * executed) / s / 1e9 / peakResult.gflops,
      pctOfPeakBest: (100 * executed) / (t.latency.min / 1000) / 1e9 / peakResult.gflops,
      maxAbsLogitDiff: maxAbsDiff(ref, logits.get(name)!),
    };
  }
  const p50 = (n: DecoderContender) => results[n]?.latency.p50;
  const ratio = (a: DecoderContender, b: DecoderContender) => (p50(a) && p50(b) ? p50(b)! / p50(a)! : undefined);
  const lengths = prompts.map((p) => p.length);
  return {
    machine: await machineInfo(),
    model: { folder: dir, ...shape },
    workload: { documents: w.docs.length, promptTokens: lengths.reduce((a, b) => a + b, 0), shortest: Math.min(...lengths), longest: Math.max(...lengths), sharedPrefix: shared },
    settings: { threads: o.threads ?? 'default', runs, seed: o.seed ?? 1, dtype },
    ...(fidelity ? { fidelity } : {}),
    peak: peakResult,
    flops: { useful, withPrefixCache: withCache },
    contenders: results,
    speedups: {
      cacheOverNoCache: ratio('rerankit (prefix cache)', 'rerankit (no cache)')!,
      cacheOverTransformersjs: ratio('rerankit (prefix cache)', 'transformersjs'),
      noCacheOverTransformersjs: ratio('rerankit (no cache)', 'transformersjs'),
    },
  };
}

/** rerankit's int8 scores against its fp32 ones on the workload (one untimed call each). */
async function int8Fidelity(dir: string, w: Workload): Promise<{ meanAbsScoreDiff: number; maxAbsScoreDiff: number }> {
  const scores = async (dtype: string) => {
    const r = await DecoderReranker.load(dir, { dtype, prefixCache: false });
    try {
      return (await r.score(w.docs.map((d) => [w.query, d]))).map((x) => x.score);
    } finally {
      await r.close();
    }
  };
  const [fp32, int8] = [await scores('fp32'), await scores('int8')];
  const d = fp32.map((v, i) => Math.abs(v - int8[i]!));
  return { meanAbsScoreDiff: d.reduce((a, b) => a + b, 0) / d.length, maxAbsScoreDiff: Math.max(...d) };
}

/** rerankit: DecoderReranker.rerank, the recipe detected from the folder, with or without the prefix cache. */
async function rerankitContender(dir: string, prefixCache: boolean, dtype: string, o: EngineOptions): Promise<Contender> {
  const r = await DecoderReranker.load(dir, { prefixCache, dtype, threads: o.threads, graphOptimizationLevel: o.graphOptimizationLevel, batch: o.batch });
  return {
    name: `rerankit (${prefixCache ? 'prefix cache' : 'no cache'})` as ContenderName,
    async run(w) {
      const out: number[][] = new Array(w.docs.length);
      for (const x of await r.rerank(w.query, w.docs)) out[x.index] = x.logits!;
      return out;
    },
    close: () => r.close(),
  };
}

type TjsTensor = { dims: number[]; data: Float32Array };
interface TjsCausal {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  AutoTokenizer: { from_pretrained(id: string): Promise<TjsTokenizer> };
  AutoModelForCausalLM: { from_pretrained(id: string, o: object): Promise<((inputs: object) => Promise<{ logits: TjsTensor }>) & { dispose(): Promise<void> }> };
}
type TjsTokenizer = ((texts: string[], o: object) => object) & { padding_side: string; model: { convert_tokens_to_ids(t: string[]): number[] } };

/**
 * Transformers.js used the standard way for Qwen3-Reranker: AutoTokenizer with left padding and
 * AutoModelForCausalLM, every prompt (prefix + body + suffix as one string, as no truncation is
 * needed here) in one padded call, then the last position's logits of "no" and "yes".
 */
async function transformersCausalContender(dir: string, o: EngineOptions): Promise<Contender> {
  const t = (await importTransformers()) as unknown as TjsCausal | undefined;
  if (!t) throw new RerankError('RERANK_UNAVAILABLE', 'Transformers.js is not installed');
  t.env.allowRemoteModels = false;
  t.env.allowLocalModels = true;
  t.env.localModelPath = `${dirname(dir)}/`;
  const id = basename(dir);
  const tokenizer = await t.AutoTokenizer.from_pretrained(id);
  tokenizer.padding_side = 'left';
  const sessionOptions = { ...(o.threads ? { intraOpNumThreads: o.threads } : {}), extra: { session: { intra_op: { allow_spinning: '0' } } } };
  const model = await t.AutoModelForCausalLM.from_pretrained(id, { dtype: 'fp32', session_options: sessionOptions });
  const [no, yes] = tokenizer.model.convert_tokens_to_ids(['no', 'yes']) as [number, number];
  const recipe = PRESETS['qwen3-reranker']!;
  const parts = recipe.prompt.map((p) => parseTemplate(p.text!, 'qwen3-reranker'));
  const promptOf = (query: string, document: string) => parts.map((p) => render(p, { instruction: recipe.instruction, query, document })).join('');
  return {
    name: 'transformersjs',
    async run(x) {
      const inputs = tokenizer(x.docs.map((d) => promptOf(x.query, d)), { padding: true });
      const { logits } = await model(inputs);
      const [B, S, V] = logits.dims as [number, number, number];
      return Array.from({ length: B }, (_, r) => [logits.data[(r * S + S - 1) * V + no]!, logits.data[(r * S + S - 1) * V + yes]!]);
    },
    close: () => model.dispose(),
  };
}

/** Tokens every prompt starts with (what the prefix cache runs once), leaving each its last token. */
function sharedPrefix(prompts: number[][]): number {
  let n = Math.min(...prompts.map((p) => p.length)) - 1;
  for (const p of prompts) {
    let i = 0;
    while (i < n && p[i] === prompts[0]![i]) i++;
    n = i;
  }
  return n;
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((v, j) => (m = Math.max(m, Math.abs(v - (b[i]?.[j] ?? NaN))))));
  return m;
}

/** The report as a table: one row per contender. */
export function formatDecoderReport(r: DecoderBenchReport): string {
  const m = r.model;
  const head = [
    `decoder rerank bench: Qwen3 width (hidden ${m.hidden}, ${m.heads} heads / ${m.kvHeads} kv, head_dim ${m.headDim}, intermediate ${m.intermediate}), ${m.layers} layers, vocab ${m.vocab}, random weights`,
    `workload: 1 query, ${r.workload.documents} documents, ${r.workload.promptTokens} prompt tokens (${r.workload.shortest}–${r.workload.longest} per prompt, ${r.workload.sharedPrefix} shared), ${r.settings.runs} interleaved rounds`,
    `rerankit at ${r.settings.dtype}${r.fidelity ? ` (int8 vs fp32 scores: mean |Δ| ${r.fidelity.meanAbsScoreDiff.toFixed(4)}, max ${r.fidelity.maxAbsScoreDiff.toFixed(4)})` : ''}, Transformers.js at fp32`,
    `machine: ${r.machine.cpu} (${r.machine.cores ?? r.machine.cpus} cores), fp32 matmul peak ${r.peak.gflops.toFixed(1)} GFLOP/s (median ${r.peak.medianGflops.toFixed(1)}); useful work ${(r.flops.useful / 1e9).toFixed(1)} GFLOP, ${(r.flops.withPrefixCache / 1e9).toFixed(1)} with the prefix cache`,
  ];
  const rows = DECODER_CONTENDERS.filter((n) => r.contenders[n]).map((n) => {
    const c = r.contenders[n]!;
    return [n, c.latency.p50.toFixed(0), c.latency.min.toFixed(0), c.gflops.toFixed(1), c.executedGflops.toFixed(1), `${c.pctOfPeak.toFixed(0)} / ${c.pctOfPeakBest.toFixed(0)}`, c.rss.growthMiB.toFixed(0), (c.maxAbsLogitDiff ?? 0).toExponential(1)];
  });
  const table = [['contender', 'p50 ms', 'best ms', 'GFLOP/s (useful)', 'GFLOP/s (executed)', '% peak (p50/best)', 'mem +MiB', 'max |Δlogit|'], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  const s = r.speedups;
  const tail = `prefix cache ${s.cacheOverNoCache.toFixed(2)}× the no-cache path${s.cacheOverTransformersjs ? `; vs Transformers.js: ${s.cacheOverTransformersjs.toFixed(2)}× with the cache, ${s.noCacheOverTransformersjs!.toFixed(2)}× without` : ''}`;
  return [...head, '', ...lines, '', tail].join('\n');
}
