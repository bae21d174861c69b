import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { foldLegacyModel, legacyModelShort } from '../reranker-flags.js';
import { CliError, fileError, intArg, printJson } from '../util.js';

interface BenchFlags {
  model: string;
  workload: string;
  dtype: string;
  runs?: number;
  compare: string;
  threads?: number;
  graphOptimization?: string;
  tokenBudget?: number;
  maxBatch?: number;
  seed: number;
  peakSize: number;
  json?: boolean;
  out?: string;
  quiet?: boolean;
}

const LEVELS = ['disabled', 'basic', 'extended', 'all'];
const COMPARE = ['transformersjs', 'ort'];

export function register(program: Command): void {
  program
    .command('bench')
    .description('benchmark rerankit against Transformers.js and raw onnxruntime-node on generated workloads (latency, tokens/s, % of the machine\'s matmul peak)')
    .addOption(legacyModelShort())
    .option('--model <preset|folder>', 'minilm-l6, minilm-l12, bert-base, xlmr-base, tiny (generated on first use in $RERANKIT_BENCH_DIR, default ~/.cache/rerankit/bench) or a model folder', 'minilm-l6')
    .option('-w, --workload <names>', 'titles-1, titles-10, titles-100, titles-1000, passages-100, long-20, or all (comma list)', 'all')
    .option('--dtype <list>', 'fp32, int8 (quantized on demand), ... (comma list: one row per dtype)', 'fp32')
    .option('--runs <n>', 'timed rounds per workload (default: 40 for titles-1 down to 3 for titles-1000)', intArg('--runs', 1))
    .option('--compare <list>', 'contenders besides rerankit: transformersjs (skipped when @huggingface/transformers is not installed), ort, or none', 'transformersjs,ort')
    .option('--threads <n>', 'intra-op threads for every engine (default: ONNX Runtime\'s)', intArg('--threads', 1))
    .option('--graph-optimization <level>', 'disabled, basic, extended or all, for every engine')
    .option('--token-budget <n>', 'rerankit: padded tokens per ONNX call', intArg('--token-budget', 1))
    .option('--max-batch <n>', 'rerankit: rows per ONNX call', intArg('--max-batch', 1))
    .option('--seed <n>', 'workload seed', intArg('--seed', 0), 1)
    .option('--peak-size <n>', 'size n of the n×n fp32 MatMul that measures the peak', intArg('--peak-size', 64), 1024)
    .option('--json', 'print the full report as one JSON object')
    .option('-o, --out <file.json>', 'also write the JSON report to a file')
    .option('-q, --quiet', 'no progress lines on stderr')
    .addHelpText('after', `
Examples:
  rerankit bench --model tiny -w titles-10 --runs 3
  rerankit bench -w titles-100 --dtype fp32,int8 --out bench/results/minilm-l6.json
  rerankit bench --model ./my-model-folder --compare none --threads 1`)
    .action(async (flags: BenchFlags, cmd: Command) => {
      foldLegacyModel(flags as unknown as Record<string, unknown>, cmd);
      const compare = flags.compare === 'none' ? [] : flags.compare.split(',').map((s) => s.trim());
      for (const c of compare) if (!COMPARE.includes(c)) throw new CliError(`--compare takes ${COMPARE.join(', ')} or none, got "${c}"`);
      if (flags.graphOptimization && !LEVELS.includes(flags.graphOptimization)) throw new CliError(`--graph-optimization must be one of ${LEVELS.join(', ')}`);
      const dtypes = flags.dtype.split(',').map((s) => s.trim()).filter(Boolean);
      const { formatReport, parseWorkloads, runBench } = await import('../../bench/index.js');
      const batch = { ...(flags.tokenBudget ? { tokenBudget: flags.tokenBudget } : {}), ...(flags.maxBatch ? { maxBatch: flags.maxBatch } : {}) };
      const report = await runBench({
        model: flags.model,
        workloads: parseWorkloads(flags.workload),
        dtypes,
        runs: flags.runs,
        compare: compare as ('transformersjs' | 'ort')[],
        threads: flags.threads,
        graphOptimizationLevel: flags.graphOptimization as never,
        batch,
        seed: flags.seed,
        peakSize: flags.peakSize,
        log: flags.quiet ? undefined : (line) => process.stderr.write(`bench: ${line}\n`),
        warn: (line) => process.stderr.write(`bench: ${line}\n`),
      });
      if (flags.out) await writeReport(flags.out, report);
      if (flags.json) printJson(report);
      else process.stdout.write(`${formatReport(report)}\n`);
    });
}

async function writeReport(path: string, report: unknown): Promise<void> {
  try {
    await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  } catch (e) {
    throw fileError('write', path, e);
  }
}
