import type { Command } from 'commander';
import { intArg, printJson } from '../util.js';

interface AnalyzeFlags {
  qrels: string;
  baseline: string;
  run: string;
  metric: string;
  depth: number;
  relevanceLevel: number;
  limit: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('analyze')
    .description('per-query error analysis of a run against a baseline: relevant documents demoted, irrelevant ones promoted, worst queries first')
    .requiredOption('--qrels <file>', 'TREC qrels')
    .requiredOption('--baseline <file>', 'the baseline TREC run (e.g. the first stage)')
    .requiredOption('--run <file>', 'the TREC run to analyse (e.g. after reranking)')
    .option('-m, --metric <name>', 'measure that orders the queries', 'ndcg_cut_10')
    .option('--depth <n>', 'a document "moves" when it enters or leaves this top depth', intArg('--depth', 1), 10)
    .option('-l, --relevance-level <n>', 'smallest judgment that counts as relevant', intArg('--relevance-level', 0), 1)
    .option('--limit <n>', 'queries shown in the table', intArg('--limit', 1), 20)
    .option('--json', 'machine-readable output (all queries)')
    .addHelpText('after', `
Examples:
  rerankit analyze --qrels qrels.txt --baseline bm25.run --run reranked.run
  rerankit analyze --qrels qrels.txt --baseline bm25.run --run reranked.run -m recip_rank --depth 5 --json`)
    .action(async (flags: AnalyzeFlags) => {
      const { readText } = await import('../../eval/beir.js');
      const { parseQrels, parseRun } = await import('../../eval/trec.js');
      const { analyzeRuns } = await import('../../eval/analyze.js');
      const qrels = parseQrels(await readText(flags.qrels), flags.qrels);
      const baseline = parseRun(await readText(flags.baseline), flags.baseline);
      const run = parseRun(await readText(flags.run), flags.run);
      const result = analyzeRuns(qrels, baseline, run, { measure: flags.metric, depth: flags.depth, relevanceLevel: flags.relevanceLevel });
      if (flags.json) return printJson(result);
      const { formatAnalysis } = await import('../../eval/format.js');
      process.stdout.write(formatAnalysis(result, flags.limit));
    });
}
