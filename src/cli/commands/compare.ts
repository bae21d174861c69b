import type { Command } from 'commander';
import { CliError, collect, intArg, printJson } from '../util.js';

interface CompareFlags {
  qrels: string;
  run: string[];
  metric?: string[];
  relevanceLevel: number;
  samples: number;
  seed: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('compare')
    .description('compare run B with run A: means, deltas, paired t-test, bootstrap 95% CI, permutation test, win/tie/loss')
    .requiredOption('--qrels <file>', 'TREC qrels')
    .requiredOption('--run <file>', 'a TREC run; give it twice: --run A --run B', collect)
    .option('-m, --metric <name>', 'measure to compare, repeatable (default: ndcg_cut_10, recip_rank, map, P_10, recall_100)', collect)
    .option('-l, --relevance-level <n>', 'smallest judgment that counts as relevant', intArg('--relevance-level', 0), 1)
    .option('--samples <n>', 'bootstrap and permutation samples', intArg('--samples', 100), 10000)
    .option('--seed <n>', 'random seed for bootstrap and permutation', intArg('--seed', 0), 42)
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
Examples:
  rerankit compare --qrels qrels.txt --run bm25.run --run reranked.run
  rerankit compare --qrels qrels.txt --run A.run --run B.run -m ndcg_cut_10 -m recip_rank --samples 10000 --json`)
    .action(async (flags: CompareFlags) => {
      if (flags.run.length !== 2) throw new CliError(`--run must be given exactly twice (A then B), got ${flags.run.length}`);
      const { readText } = await import('../../eval/beir.js');
      const { parseQrels, parseRun } = await import('../../eval/trec.js');
      const { compareRuns } = await import('../../eval/compare.js');
      const qrels = parseQrels(await readText(flags.qrels), flags.qrels);
      const [a, b] = await Promise.all(flags.run.map(async (p) => parseRun(await readText(p), p)));
      const result = compareRuns(qrels, a, b, { measures: flags.metric, relevanceLevel: flags.relevanceLevel, samples: flags.samples, seed: flags.seed });
      if (flags.json) return printJson({ a: flags.run[0], b: flags.run[1], ...result });
      const { formatComparison } = await import('../../eval/format.js');
      process.stdout.write(formatComparison(result, flags.run[0], flags.run[1]));
    });
}
