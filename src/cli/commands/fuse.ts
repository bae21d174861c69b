import type { Command } from 'commander';
import { CliError, collect, fileError, intArg, numArg, printJson } from '../util.js';

interface FuseFlags {
  run: string[];
  method: string;
  norm?: string;
  weights?: string;
  k?: number;
  depth?: number;
  tag?: string;
  out?: string;
  optimize?: boolean;
  qrels?: string;
  metric: string;
  step: number;
  relevanceLevel: number;
  json?: boolean;
}

const METHODS = ['rrf', 'combsum', 'combmnz', 'max', 'min', 'weighted'];
const NORMS = ['minmax', 'zscore', 'sum', 'rank', 'none'];

function weightsOf(text: string, runs: number): number[] {
  const w = text.split(',').map((x) => (/^\s*(\d+\.?\d*|\.\d+)\s*$/.test(x) ? Number(x) : Number.NaN));
  if (w.some((x) => !Number.isFinite(x)) || w.length !== runs) throw new CliError(`--weights must be ${runs} non-negative numbers, one per --run, e.g. ${Array(runs).fill((1 / runs).toFixed(2)).join(',')}; got "${text}"`);
  return w;
}

export function register(program: Command): void {
  program
    .command('fuse')
    .description('fuse TREC runs into one (ranx: rrf, combsum, combmnz, max, min, weighted over min-max, z-score, sum or rank normalised scores); --optimize picks the weights or RRF k on a dev set')
    .requiredOption('--run <file>', 'a TREC run, repeatable (at least two)', collect)
    .option('--method <name>', `fusion: ${METHODS.join(', ')}`, 'rrf')
    .option('--norm <name>', `score normalisation per query and run (not for rrf): ${NORMS.join(', ')} (default minmax)`)
    .option('--weights <w1,w2,...>', 'one weight per run (weighted; rrf too)')
    .option('--k <n>', 'the RRF constant', intArg('--k', 0))
    .option('--depth <n>', 'keep the best n documents per query', intArg('--depth', 1))
    .option('--tag <name>', 'run tag written in the fused run (default fuse-<method>)')
    .option('-o, --out <file>', 'write the fused run here (default: standard output)')
    .option('--optimize', 'search the weights (weighted) or k (rrf) that maximise --metric on --qrels, as ranx does')
    .option('--qrels <file>', 'judgments for --optimize')
    .option('--metric <name>', 'the measure --optimize maximises', 'ndcg_cut_10')
    .option('--step <x>', 'weight grid step for --optimize', numArg('--step', { min: 0.01, max: 1 }), 0.1)
    .option('-l, --relevance-level <n>', 'smallest judgment that counts as relevant, for --metric', intArg('--relevance-level', 0), 1)
    .option('--json', 'with --optimize: print the trials and the best parameters as JSON (the run goes to --out only)')
    .addHelpText('after', `
Examples:
  rerankit fuse --run bm25.run --run dense.run --method rrf > fused.run
  rerankit fuse --run bm25.run --run dense.run --method weighted --norm zscore --weights 0.3,0.7 -o fused.run
  rerankit fuse --run bm25.run --run dense.run --method weighted --optimize --qrels dev.qrels --metric ndcg_cut_10 -o fused.run`)
    .action(async (flags: FuseFlags) => {
      if (flags.run.length < 2) throw new CliError(`--run must be given at least twice, got ${flags.run.length}`);
      if (!METHODS.includes(flags.method)) throw new CliError(`--method must be one of ${METHODS.join(', ')}, got ${flags.method}`);
      if (flags.norm !== undefined && !NORMS.includes(flags.norm)) throw new CliError(`--norm must be one of ${NORMS.join(', ')}, got ${flags.norm}`);
      if (flags.norm !== undefined && flags.method === 'rrf') throw new CliError('rrf fuses ranks; --norm does not apply (leave it out, or use --method weighted)');
      if (flags.k !== undefined && flags.method !== 'rrf') throw new CliError(`--k is RRF's constant; it does not apply to ${flags.method}`);
      if (flags.weights !== undefined && !['weighted', 'rrf'].includes(flags.method)) throw new CliError(`--weights apply to weighted and rrf, not ${flags.method}`);
      if (flags.optimize && !flags.qrels) throw new CliError('--optimize needs --qrels (the dev set whose judgments pick the parameters)');
      if (flags.optimize && (flags.weights !== undefined || flags.k !== undefined)) throw new CliError('--optimize searches the weights and k itself; leave --weights/--k out');
      if (flags.method === 'weighted' && !flags.optimize && flags.weights === undefined) throw new CliError('--method weighted needs --weights (or --optimize with --qrels)');
      if (flags.json && !flags.optimize) throw new CliError('--json prints the --optimize report; without --optimize the output is the run itself');
      const { readRunFile, readQrelsFile } = await import('../trec-eval.js');
      const { runFromTable, formatRun } = await import('../../eval/trec.js');
      const { fuseRuns, optimizeFusion } = await import('../../eval/fuse.js');
      const runs = [];
      for (const path of flags.run) runs.push(runFromTable(await readRunFile(path)));
      const method = flags.method as 'rrf';
      const norm = flags.norm as 'minmax' | undefined;
      let weights = flags.weights === undefined ? undefined : weightsOf(flags.weights, runs.length);
      let k = flags.k;
      if (flags.optimize) {
        const qrels = await readQrelsFile(flags.qrels!);
        const report = optimizeFusion(qrels, runs, { method, norm, metric: flags.metric, step: flags.step, relevanceLevel: flags.relevanceLevel });
        ({ weights, k } = report.best);
        if (flags.json) printJson(report);
        else process.stderr.write(`rerankit: fuse: best ${weights ? `weights ${weights.join(',')}` : `k ${k}`}: ${report.metric} ${report.best.score.toFixed(4)} (${report.trials.length} tried)\n`);
      }
      const fused = fuseRuns(runs, { method, norm, weights, k, depth: flags.depth });
      const text = formatRun(fused, flags.tag ?? `fuse-${flags.method}`);
      if (flags.out) {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(flags.out, text).catch((e: unknown) => {
          throw fileError('write', flags.out!, e);
        });
      } else if (!flags.json) process.stdout.write(text);
    });
}
