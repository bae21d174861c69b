import type { Command } from 'commander';
import { CliError, collect, intArg, loadBiEncoder, printJson } from '../util.js';

interface EvalFlags {
  qrels?: string;
  run?: string;
  dataset?: string;
  split: string;
  candidates?: string;
  retriever?: string;
  language?: string;
  embedModel?: string;
  reranker?: string;
  rerankerKind: string;
  firstStageK: number;
  topK: number;
  relevanceLevel: number;
  complete?: boolean;
  metric?: string[];
  maxQueries?: number;
  runOut?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate a run against qrels (trec_eval semantics), or run retrieval/reranking over a labelled dataset and evaluate it')
    .option('--qrels <file>', 'TREC qrels (qid iter docid rel)')
    .option('--run <file>', 'TREC run (qid Q0 docid rank score tag)')
    .option('--dataset <folder>', 'BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) or Cranfield, CISI, NovelEval, SciFact folder')
    .option('--split <name>', 'BEIR qrels split', 'test')
    .option('--candidates <jsonl>', 'rerank-only: {"qid","query","candidates":[{"docid","text","score"?}]} per line')
    .option('--retriever <kind>', 'first stage over --dataset: bm25, vector or hybrid')
    .option('--language <lang>', 'analyzer language for bm25/hybrid (e.g. en, zh)')
    .option('--embed-model <id|folder>', 'bi-encoder for vector/hybrid retrieval')
    .option('--reranker <model>', 'rerank the first stage with this model (id or folder)')
    .option('--reranker-kind <kind>', 'reranker kind in the registry', 'cross-encoder')
    .option('--first-stage-k <n>', 'candidates retrieved per query', intArg('--first-stage-k', 1), 100)
    .option('--top-k <n>', 'reranked results kept on top of the run (the rest stay in first-stage order)', intArg('--top-k', 1), 10)
    .option('-l, --relevance-level <n>', 'smallest judgment that counts as relevant (trec_eval -l)', intArg('--relevance-level', 0), 1)
    .option('-c, --complete', 'average over every judged query; missing ones score 0 (trec_eval -c)')
    .option('-m, --metric <name>', 'measure to report, repeatable: ndcg_cut_10, ndcg_cut.5,10, recip_rank, mrr_cut_10, map, P_10, recall_100, success_10, or nDCG@10, MRR@10, ...', collect)
    .option('--max-queries <n>', 'evaluate only the first n queries (smoke tests)', intArg('--max-queries', 1))
    .option('--run-out <file>', 'write the run in TREC format')
    .option('--json', 'print {"all": {...}, "per_query": {...}}')
    .action(async (flags: EvalFlags) => {
      const { evaluate } = await import('../../eval/evaluate.js');
      const { qrels, run } = await produceRun(flags);
      if (flags.runOut) await writeRun(flags.runOut, run, flags);
      const result = evaluate(qrels, run, { measures: flags.metric, relevanceLevel: flags.relevanceLevel, complete: flags.complete });
      if (flags.json) return printJson(result);
      const { parseMeasures } = await import('../../eval/measures.js');
      const { formatEval } = await import('../../eval/format.js');
      const ms = parseMeasures(flags.metric);
      process.stdout.write(formatEval(result, ms.map((m) => m.name), Object.fromEntries(ms.map((m) => [m.name, m.friendly]))));
    });
}

async function writeRun(path: string, run: import('../../eval/types.js').Run, flags: EvalFlags): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  const { formatRun } = await import('../../eval/trec.js');
  await writeFile(path, formatRun(run, flags.reranker ? 'rerankit-rerank' : `rerankit-${flags.retriever ?? 'candidates'}`));
}

async function produceRun(flags: EvalFlags) {
  const trec = await import('../../eval/trec.js');
  const { readText } = await import('../../eval/beir.js');
  if (flags.run) {
    if (!flags.qrels) throw new CliError('--run needs --qrels');
    if (flags.dataset || flags.candidates) throw new CliError('give either --run or --dataset/--candidates, not both');
    return { qrels: trec.parseQrels(await readText(flags.qrels), flags.qrels), run: trec.parseRun(await readText(flags.run), flags.run) };
  }
  if (!flags.dataset && !(flags.candidates && flags.qrels)) throw new CliError('give --qrels and --run, --dataset, or --candidates with --qrels');
  const ds = flags.dataset ? await (await import('../../eval/datasets.js')).loadDataset(flags.dataset, flags.split) : undefined;
  const qrels = flags.qrels ? trec.parseQrels(await readText(flags.qrels), flags.qrels) : ds!.qrels;
  const lists = await candidateLists(flags, ds);
  const reranker = await loadReranker(flags);
  const { rerankCandidates } = await import('../../eval/runner.js');
  const { progressBar } = await import('../../util/progress.js');
  const bar = await progressBar(reranker ? 'rerank' : 'collect');
  try {
    return { qrels, run: await rerankCandidates(lists, reranker, flags.topK, bar.update) };
  } finally {
    bar.stop();
    await reranker?.close();
  }
}

async function candidateLists(flags: EvalFlags, ds?: import('../../eval/types.js').Dataset) {
  const limit = <T>(xs: T[]) => (flags.maxQueries ? xs.slice(0, flags.maxQueries) : xs);
  if (flags.candidates) {
    const { parseCandidates } = await import('../../eval/candidates.js');
    return limit(parseCandidates(await (await import('../../eval/beir.js')).readText(flags.candidates)));
  }
  if (!flags.retriever && ds?.candidates) return limit(ds.candidates); // rerank-only collections (NovelEval)
  if (!flags.retriever) throw new CliError('--dataset needs --retriever bm25|vector|hybrid (or --candidates)');
  if (!['bm25', 'vector', 'hybrid'].includes(flags.retriever)) throw new CliError('--retriever must be bm25, vector or hybrid');
  const { docText } = await import('../../eval/beir.js');
  const docs = ds!.docs.map((d) => ({ id: d.id, text: docText(d) }));
  const byId = new Map(docs.map((d) => [d.id, d.text]));
  const { progressBar } = await import('../../util/progress.js');
  const indexBar = await progressBar('index');
  const { buildRetriever } = await import('../../retrieval/index.js');
  const retriever = await buildRetriever(flags.retriever as 'bm25', docs, { language: flags.language, model: flags.embedModel, loadEmbedder: loadBiEncoder, onProgress: indexBar.update });
  indexBar.stop();
  const queries = new Map(limit([...ds!.queries]));
  const { retrieveCandidates } = await import('../../eval/runner.js');
  const bar = await progressBar('search');
  try {
    return await retrieveCandidates(queries, retriever, flags.firstStageK, (id) => byId.get(id), bar.update);
  } finally {
    bar.stop();
  }
}

async function loadReranker(flags: EvalFlags) {
  if (!flags.reranker) return undefined;
  const { createReranker } = await import('../../registry.js');
  return createReranker({ kind: flags.rerankerKind, model: flags.reranker });
}
