import type { Command } from 'commander';
import { CliError, loadBiEncoder, numArg, printJson } from '../util.js';

interface IndexFlags {
  corpus: string;
  out: string;
  retriever: string;
  language: string;
  model?: string;
  k1?: number;
  b?: number;
  ann: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('index')
    .description('build a BM25, vector or hybrid index of a corpus on disk (atomic: a crash keeps the previous index)')
    .requiredOption('-c, --corpus <path>', 'BEIR folder, JSONL ({_id|id, title?, text|contents}) or TSV (id<TAB>text)')
    .requiredOption('-o, --out <dir>', 'index folder (created, or replaced if it holds an index)')
    .option('-r, --retriever <kind>', 'bm25, vector or hybrid', 'bm25')
    .option('-l, --language <name>', 'analyzer: auto, en, zh, ja, zh-words, ja-words, whitespace', 'auto')
    .option('-m, --model <id|folder>', 'bi-encoder for vector/hybrid (Hugging Face id or folder)')
    .option('--k1 <n>', 'BM25 k1', numArg('--k1'))
    .option('--b <n>', 'BM25 b', numArg('--b'))
    .option('--ann <mode>', 'vector search: auto (ANN above 20000 docs), exact or ann', 'auto')
    .option('--json', 'print a JSON summary')
    .action(async (flags: IndexFlags) => {
      if (!['bm25', 'vector', 'hybrid'].includes(flags.retriever)) throw new CliError('--retriever must be bm25, vector or hybrid');
      if (!['auto', 'exact', 'ann'].includes(flags.ann)) throw new CliError('--ann must be auto, exact or ann');
      if (flags.retriever !== 'bm25' && !flags.model) throw new CliError(`--model is required for --retriever ${flags.retriever}`);
      const { readCorpus } = await import('../../retrieval/corpus.js');
      const { buildRetriever, saveRetriever } = await import('../../retrieval/index.js');
      const { progressBar } = await import('../../util/progress.js');
      const docs = await readCorpus(flags.corpus);
      const started = performance.now();
      const bar = await progressBar('index');
      const retriever = await buildRetriever(flags.retriever as 'bm25', docs, {
        language: flags.language, model: flags.model, loadEmbedder: loadBiEncoder, k1: flags.k1, b: flags.b, mode: flags.ann as 'auto', onProgress: bar.update,
      });
      bar.stop();
      await saveRetriever(flags.out, retriever);
      await (retriever as { close?: () => Promise<void> }).close?.();
      const summary = { index: flags.out, retriever: retriever.name, documents: docs.length, seconds: +((performance.now() - started) / 1000).toFixed(2) };
      if (flags.json) printJson(summary);
      else console.log(`indexed ${summary.documents} documents (${summary.retriever}) into ${summary.index} in ${summary.seconds} s`);
    });
}
