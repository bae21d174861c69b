import type { Command } from 'commander';
import type { Retriever } from '../../types.js';
import { CliError, intArg, loadBiEncoder, numArg, printJson } from '../util.js';

interface SearchFlags {
  index: string;
  query?: string;
  queries?: string;
  topK: number;
  model?: string;
  fusion: string;
  normalization: string;
  weights?: number[];
  runTag: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('search')
    .description('search an index built by "rerankit index": one --query, or a --queries file written as a TREC run')
    .requiredOption('-i, --index <dir>', 'index folder')
    .option('-q, --query <text>', 'one query; prints the hits')
    .option('--queries <file>', 'BEIR queries.jsonl or TSV (qid<TAB>text); prints a TREC run')
    .option('-k, --top-k <n>', 'hits per query', intArg('--top-k', 1), 10)
    .option('-m, --model <id|folder>', 'bi-encoder to embed queries (default: the one the index was built with)')
    .option('--fusion <kind>', 'hybrid indexes: rrf (k=60) or weighted', 'rrf')
    .option('--normalization <kind>', 'weighted fusion: minmax or zscore', 'minmax')
    .option('--weights <w...>', 'hybrid weights, BM25 first', (v: string, prev: number[] = []) => [...prev, numArg('--weights')(v)])
    .option('--run-tag <tag>', 'TREC run tag', 'rerankit')
    .option('--json', 'JSON output')
    .action(async (flags: SearchFlags) => {
      if (!flags.query === !flags.queries) throw new CliError('give exactly one of --query or --queries');
      if (!['rrf', 'weighted'].includes(flags.fusion)) throw new CliError('--fusion must be rrf or weighted');
      const { openIndex } = await import('../../retrieval/index.js');
      const retriever = await openIndex(flags.index, {
        model: flags.model, loadEmbedder: loadBiEncoder, fusion: flags.fusion as 'rrf', normalization: flags.normalization as 'minmax', weights: flags.weights,
      });
      try {
        if (flags.query) await searchOne(retriever, flags);
        else await searchMany(retriever, flags);
      } finally {
        await (retriever as { close?: () => Promise<void> }).close?.();
      }
    });
}

async function searchOne(r: Retriever, flags: SearchFlags): Promise<void> {
  const hits = await r.search(flags.query!, flags.topK);
  if (flags.json) return printJson({ retriever: r.name, results: hits });
  for (const [i, h] of hits.entries()) console.log(`${i + 1}\t${h.score.toFixed(4)}\t${h.id}\t${(h.text ?? '').slice(0, 100).replace(/\s+/g, ' ')}`);
}

async function searchMany(r: Retriever, flags: SearchFlags): Promise<void> {
  const { readQueries } = await import('../../retrieval/corpus.js');
  const queries = await readQueries(flags.queries!);
  const { progressBar } = await import('../../util/progress.js');
  const bar = await progressBar('search');
  const lines: string[] = [];
  for (const [n, q] of queries.entries()) {
    const hits = await r.search(q.text, flags.topK);
    if (flags.json) lines.push(JSON.stringify({ qid: q.id, results: hits.map(({ id, score }) => ({ id, score })) }));
    else hits.forEach((h, i) => lines.push(`${q.id} Q0 ${h.id} ${i + 1} ${h.score} ${flags.runTag}`));
    bar.update(n + 1, queries.length);
  }
  bar.stop();
  process.stdout.write(lines.length ? `${lines.join('\n')}\n` : '');
}
