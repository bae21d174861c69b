import { Option, type Command } from 'commander';
import { legacyModelShort } from '../reranker-flags.js';
import { CliError, loadBiEncoder, numArg, printJson, warn } from '../util.js';

interface IndexFlags {
  corpus: string;
  out: string;
  retriever: string;
  language: string;
  embedModel?: string;
  model?: string;
  m?: string;
  k1?: number;
  b?: number;
  ann: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('index')
    .description('build a BM25, vector or hybrid index of a corpus on disk (atomic: a crash keeps the previous index)')
    .requiredOption('-c, --corpus <path>', 'BEIR folder, Cranfield/CISI/NovelEval/SciFact folder (as eval --dataset takes), JSONL ({_id|id|docid, title?, text|contents}) or TSV (id<TAB>text)')
    .requiredOption('-o, --out <dir>', 'index folder (created, or replaced if it holds an index)')
    .option('-r, --retriever <kind>', 'bm25, vector or hybrid', 'bm25')
    .option('-l, --language <name>', 'analyzer: auto, en, zh, ja, zh-words, ja-words, whitespace', 'auto')
    .option('--embed-model <id|folder>', 'bi-encoder for vector/hybrid (Hugging Face id or folder)')
    .addOption(new Option('--model <id|folder>', 'old spelling of --embed-model').hideHelp())
    .addOption(legacyModelShort())
    .option('--k1 <n>', 'BM25 k1', numArg('--k1'))
    .option('--b <n>', 'BM25 b', numArg('--b'))
    .option('--ann <mode>', 'vector search: auto (ANN above 20000 docs), exact or ann', 'auto')
    .option('--json', 'print a JSON summary')
    .addHelpText('after', `
Examples:
  rerankit index --corpus examples/docs.jsonl --out idx/docs
  rerankit index --corpus scifact-beir --out idx/scifact --language en --k1 0.9 --b 0.4
  rerankit index --corpus docs.jsonl --out idx/hybrid --retriever hybrid --embed-model BAAI/bge-small-en-v1.5`)
    .action(async (flags: IndexFlags) => {
      const embedModel = embedModelOf(flags);
      if (!['bm25', 'vector', 'hybrid'].includes(flags.retriever)) throw new CliError('--retriever must be bm25, vector or hybrid');
      if (!['auto', 'exact', 'ann'].includes(flags.ann)) throw new CliError('--ann must be auto, exact or ann');
      if (flags.retriever !== 'bm25' && !embedModel) throw new CliError(`--embed-model is required for --retriever ${flags.retriever}`);
      if (flags.retriever === 'bm25' && embedModel) warn(`--embed-model applies to --retriever vector or hybrid; a bm25 index uses no model`);
      const { buildRetriever, prepareIndexDir, saveRetriever } = await import('../../retrieval/index.js');
      const { stagedProgress } = await import('../../util/progress.js');
      await prepareIndexDir(flags.out); // an unusable --out fails now, not after the build
      const docs = await readDocs(flags.corpus);
      const started = performance.now();
      const stages = flags.retriever === 'bm25' ? ['index'] : flags.retriever === 'vector' ? ['embed'] : ['index', 'embed'];
      const bar = await stagedProgress(stages, { unit: 'documents' });
      bar.update(0, docs.length, stages[0]!);
      const retriever = await buildRetriever(flags.retriever as 'bm25', docs, {
        language: flags.language, model: embedModel, loadEmbedder: loadBiEncoder, k1: flags.k1, b: flags.b, mode: flags.ann as 'auto', onProgress: bar.update,
      }).finally(() => bar.stop());
      await saveRetriever(flags.out, retriever);
      await (retriever as { close?: () => Promise<void> }).close?.();
      const summary = { index: flags.out, retriever: retriever.name, documents: docs.length, seconds: +((performance.now() - started) / 1000).toFixed(2) };
      if (flags.json) printJson(summary);
      else console.log(`indexed ${summary.documents} documents (${summary.retriever}) into ${summary.index} in ${summary.seconds} s`);
    });
}

/** --embed-model, or its old spellings --model / -m (which say so). */
function embedModelOf(flags: IndexFlags): string | undefined {
  const old = flags.model ?? flags.m;
  if (old === undefined) return flags.embedModel;
  warn(`${flags.model !== undefined ? '--model' : '-m'} is --embed-model in index and search (--model is a reranker's model, -m a measure); write --embed-model`);
  if (flags.embedModel !== undefined && flags.embedModel !== old) throw new CliError('give the bi-encoder once: --embed-model');
  return old;
}

/**
 * A corpus file or BEIR folder (retrieval's reader), or any folder `eval --dataset` takes
 * (Cranfield, CISI, NovelEval, the SciFact zip), indexed as title + " " + text like eval does.
 */
async function readDocs(path: string) {
  const { readCorpus } = await import('../../retrieval/corpus.js');
  const { existsSync, statSync } = await import('node:fs');
  const { join } = await import('node:path');
  if (existsSync(path) && statSync(path).isDirectory() && !existsSync(join(path, 'corpus.jsonl'))) {
    const { detectFormat, loadDataset } = await import('../../eval/datasets.js');
    detectFormat(path); // names the formats when the folder is none of them
    const { docText } = await import('../../eval/beir.js');
    return (await loadDataset(path)).docs.map((d) => ({ id: d.id, text: docText(d) }));
  }
  return readCorpus(path);
}
