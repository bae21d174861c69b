import { Option, type Command } from 'commander';
import type { Retriever } from '../../types.js';
import { legacyModelShort } from '../reranker-flags.js';
import { CliError, intArg, loadBiEncoder, numArg, printJson, warn } from '../util.js';

interface SearchFlags {
  index: string;
  query?: string;
  queries?: string;
  topK: number;
  embedModel?: string;
  model?: string;
  m?: string;
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
    .option('--embed-model <id|folder>', 'bi-encoder to embed queries (default: the one the index was built with)')
    .addOption(new Option('--model <id|folder>', 'old spelling of --embed-model').hideHelp())
    .addOption(legacyModelShort())
    .option('--fusion <kind>', 'hybrid indexes: rrf (k=60) or weighted', 'rrf')
    .option('--normalization <kind>', 'weighted fusion: minmax or zscore', 'minmax')
    .option('--weights <w...>', 'hybrid weights, BM25 first', (v: string, prev: number[] = []) => [...prev, numArg('--weights')(v)])
    .option('--run-tag <tag>', 'TREC run tag', 'rerankit')
    .option('--json', 'JSON output')
    .addHelpText('after', `
Examples:
  rerankit search --index idx/docs -q "capital of france" -k 3
  rerankit search --index idx/scifact --queries queries.jsonl -k 1000 > bm25.run
  rerankit search --index idx/hybrid -q "..." --fusion weighted --normalization zscore --weights 0.3 0.7`)
    .action(async (flags: SearchFlags, cmd: Command) => {
      if (!flags.query === !flags.queries) throw new CliError('give exactly one of --query or --queries');
      if (!['rrf', 'weighted'].includes(flags.fusion)) throw new CliError('--fusion must be rrf or weighted');
      if (!['minmax', 'zscore'].includes(flags.normalization)) throw new CliError('--normalization must be minmax or zscore');
      const old = flags.model ?? flags.m;
      if (old !== undefined) {
        warn(`${flags.model !== undefined ? '--model' : '-m'} is --embed-model in index and search (--model is a reranker's model, -m a measure); write --embed-model`);
        flags.embedModel ??= old;
      }
      const { HybridRetriever, openIndex } = await import('../../retrieval/index.js');
      const retriever = await openIndex(flags.index, {
        model: flags.embedModel, loadEmbedder: loadBiEncoder, fusion: flags.fusion as 'rrf', normalization: flags.normalization as 'minmax', weights: flags.weights,
      });
      try {
        // Fusion flags on an index with one retriever would change nothing: refused, not ignored.
        const parts = retriever instanceof HybridRetriever ? retriever.retrievers.length : 1;
        const fusionFlag = ['fusion', 'normalization', 'weights'].find((k) => cmd.getOptionValueSource(k) === 'cli');
        if (parts === 1 && fusionFlag) throw new CliError(`--${fusionFlag} applies to hybrid indexes; ${flags.index} is a ${retriever.name} index with one retriever, so there is nothing to fuse`);
        if (flags.weights && flags.weights.length !== parts) throw new CliError(`--weights takes one weight per retriever (BM25 first): ${parts} numbers, got ${flags.weights.length}`);
        if (flags.normalization !== 'minmax' && flags.fusion !== 'weighted') throw new CliError('--normalization applies to --fusion weighted (rrf uses ranks)');
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
  const bar = await progressBar('retrieve', { unit: 'queries' });
  bar.update(0, queries.length);
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
