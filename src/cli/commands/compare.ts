import type { Command } from 'commander';
import { CliError, collect, intArg, numArg, printJson } from '../util.js';

interface CompareFlags {
  qrels: string;
  run: string[];
  metric?: string[];
  relevanceLevel: number;
  samples: number;
  seed: number;
  json?: boolean;
  test: string;
  maxP: number;
  correction: string;
  format?: string;
  report?: string;
}

export function register(program: Command): void {
  program
    .command('compare')
    .description('compare runs: two in detail (deltas, paired t-test, bootstrap 95% CI, permutation test, effect size, win/tie/loss), or any number as a run × measure table with significance marks (ranx), Holm-Bonferroni-corrected')
    .requiredOption('--qrels <file>', 'TREC qrels')
    .requiredOption('--run <file>', 'a TREC run, repeatable: --run A --run B [--run C ...]', collect)
    .option('-m, --metric <name>', 'measure to compare, repeatable (default: ndcg_cut_10, recip_rank, map, P_10, recall_100)', collect)
    .option('-l, --relevance-level <n>', 'smallest judgment that counts as relevant', intArg('--relevance-level', 0), 1)
    .option('--samples <n>', 'bootstrap and permutation samples', intArg('--samples', 100), 10000)
    .option('--seed <n>', 'random seed for bootstrap and permutation', intArg('--seed', 0), 42)
    .option('--test <name>', 'significance test for the marks: ttest (paired t-test), fisher (randomization) or bootstrap', 'ttest')
    .option('--max-p <p>', 'significance threshold on the corrected p-value', numArg('--max-p', { min: 0, max: 1 }), 0.05)
    .option('--correction <name>', 'holm (Holm-Bonferroni over the pairs of runs, per measure) or none', 'holm')
    .option('--format <kind>', 'the run × measure table as text, markdown or latex (any number of runs)')
    .option('--report <file>', 'also write a report of two runs: .html (one self-contained page with charts) or .md (tables)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
Examples:
  rerankit compare --qrels qrels.txt --run bm25.run --run reranked.run
  rerankit compare --qrels qrels.txt --run bm25.run --run dense.run --run fused.run -m ndcg_cut.10 -m map --test fisher
  rerankit compare --qrels qrels.txt --run bm25.run --run ce.run -m ndcg_cut_10 --format latex > table.tex`)
    .action(async (flags: CompareFlags) => {
      if (flags.run.length < 2) throw new CliError(`--run must be given at least twice (--run A --run B ...), got ${flags.run.length}`);
      if (!['ttest', 'fisher', 'bootstrap'].includes(flags.test)) throw new CliError(`--test must be ttest, fisher or bootstrap, got ${flags.test}`);
      if (!['holm', 'none'].includes(flags.correction)) throw new CliError(`--correction must be holm or none, got ${flags.correction}`);
      if (flags.format !== undefined && !['text', 'markdown', 'latex'].includes(flags.format)) throw new CliError(`--format must be text, markdown or latex, got ${flags.format}`);
      if (flags.report) (await import('../../report/index.js')).reportFormat(flags.report); // a wrong extension fails before the work
      if (flags.report && flags.run.length > 2) throw new CliError(`--report compares two runs (--run A --run B), got ${flags.run.length}`);
      if (flags.report && flags.format) throw new CliError('--report goes with the two-run comparison; leave --format out');
      if (flags.run.length > 2 || flags.format) return compareMany(flags);
      const { readQrelsFile, readRunFile } = await import('../trec-eval.js');
      const { compareRuns } = await import('../../eval/compare.js');
      const qrels = await readQrelsFile(flags.qrels);
      const [a, b] = [await readRunFile(flags.run[0]), await readRunFile(flags.run[1])];
      const result = compareRuns(qrels, a, b, { measures: flags.metric, relevanceLevel: flags.relevanceLevel, samples: flags.samples, seed: flags.seed });
      if (flags.json) printJson({ a: flags.run[0], b: flags.run[1], ...result });
      else process.stdout.write((await import('../../eval/format.js')).formatComparison(result, flags.run[0], flags.run[1]));
      if (flags.report) {
        const { compareReport, writeReport } = await import('../../report/index.js');
        const opts = { measures: flags.metric, relevanceLevel: flags.relevanceLevel, samples: flags.samples, seed: flags.seed };
        await writeReport(flags.report, compareReport(qrels, { name: flags.run[0], run: a }, { name: flags.run[1], run: b }, opts, result));
      }
    });
}

/** Three or more runs (or --format): ranx's table, every pair tested. */
async function compareMany(flags: CompareFlags): Promise<void> {
  const { readQrelsFile, readRunFile } = await import('../trec-eval.js');
  const { compareMany: compare } = await import('../../eval/compare.js');
  const qrels = await readQrelsFile(flags.qrels);
  const runs = [];
  for (const path of flags.run) runs.push({ name: path, run: await readRunFile(path) });
  const result = compare(qrels, runs, {
    measures: flags.metric, relevanceLevel: flags.relevanceLevel, samples: flags.samples, seed: flags.seed,
    test: flags.test as 'ttest', maxP: flags.maxP, correction: flags.correction as 'holm',
  });
  if (flags.json) return printJson(result);
  const { formatMultiComparison } = await import('../../eval/format.js');
  process.stdout.write(formatMultiComparison(result, (flags.format ?? 'text') as 'text'));
}
