import { Option, type Command } from 'commander';
import { addRerankerOptions, foldLegacyModel, kebab, RERANKER_FLAGS, rerankerConfig } from '../reranker-flags.js';
import type { TrecEvalFlags } from '../trec-eval.js';
import { CliError, collect, intArg, loadBiEncoder, warn } from '../util.js';

/** trec_eval's own flags (shared with the drop-in path) plus the dataset/retriever/reranker ones. */
interface EvalFlags extends TrecEvalFlags {
  qrels?: string;
  run?: string;
  dataset?: string;
  split: string;
  candidates?: string;
  retriever?: string;
  language?: string;
  embedModel?: string;
  reranker?: string;
  model?: string;
  rerankerKind?: string;
  firstStageK: number;
  topK: number;
  maxQueries?: number;
  runOut?: string;
  report?: string;
  [flag: string]: unknown;
}

export function register(program: Command): void {
  // The command's own options first in --help, then the shared reranker options.
  const cmd = program
    .command('eval')
    .description('evaluate a run against qrels as trec_eval does (same measures, options and output), or run retrieval/reranking over a labelled dataset and evaluate it')
    .argument('[qrels]', 'TREC qrels file, as in trec_eval QRELS RUN (same as --qrels)')
    .argument('[run]', 'TREC run file, - for standard input (same as --run)')
    .option('--qrels <file>', 'TREC qrels (qid iter docid rel)')
    .option('--run <file>', 'TREC run (qid Q0 docid rank score tag)')
    .option('--dataset <folder>', 'BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) or Cranfield, CISI, NovelEval, SciFact folder')
    .option('--split <name>', 'BEIR qrels split', 'test')
    .option('--candidates <jsonl>', 'rerank-only: {"qid","query","candidates":[{"docid","text","score"?}]} per line')
    .option('--retriever <kind>', 'first stage over --dataset: bm25, vector, hybrid, or postgres://user@host/db?table=T (docs/retrieval.md)')
    .option('--language <lang>', 'analyzer language for bm25/hybrid (e.g. en, zh)')
    .option('--embed-model <id|folder>', 'bi-encoder for vector/hybrid retrieval')
    .addOption(new Option('--reranker-kind <kind>', 'old spelling of --reranker').hideHelp())
    .option('--first-stage-k <n>', 'candidates retrieved per query', intArg('--first-stage-k', 1), 100)
    .option('--top-k <n>', 'reranked results kept on top of the run (the rest stay in first-stage order)', intArg('--top-k', 1), 10)
    .option('-l, --relevance-level <n>', 'smallest judgment that counts as relevant (trec_eval -l)', intArg('--relevance-level', 0), 1)
    .option('-c, --complete', 'average over every judged query; missing ones score 0 (trec_eval -c)')
    .option('-m, --metric <name>', "measure, repeatable, as trec_eval's -m: official (the default for a run file), all_trec, map, P.5,10, ndcg_cut.10, ndcg.1=3,2=7, ...; also P_10, nDCG@10, MRR@10, Judged@10, \"nDCG(dcg='exp-log2')@10\", ERR@20, RBP(p=0.8), RBP_resid(p=0.8), alpha_nDCG@20", collect)
    .option('-q, --per-query', "also print each query's values (trec_eval -q)")
    .option('-n, --no-summary', 'no summary lines (trec_eval -n)')
    .option('-M, --max-retrieved <n>', 'keep the first n documents per query (trec_eval -M)', intArg('--max-retrieved', 0))
    .option('-J, --judged-only', 'drop unjudged documents before measuring (trec_eval -J)')
    .option('-N, --num-docs <n>', 'documents in the collection, for utility (trec_eval -N)', intArg('--num-docs', 0))
    .option('--subtopic-qrels <file>', 'diversity qrels (qid subtopic docid rel) for alpha_nDCG')
    .option('--table', "print a table with friendly names instead of trec_eval's lines")
    .option('--max-queries <n>', 'evaluate only the first n queries (smoke tests)', intArg('--max-queries', 1))
    .option('--run-out <file>', 'write the run in TREC format')
    .option('--report <file>', 'also write a report: .html (one self-contained page with charts) or .md (tables)')
    .option('--json', 'print {"all": {...}, "per_query": {...}}');
  addRerankerOptions(cmd)
    .addHelpText('after', `
Examples:
  rerankit eval -q -c qrels.txt bm25.run -m all_trec   # trec_eval's output, byte for byte
  rerankit eval qrels.txt bm25.run -m ndcg_cut.10 -m Judged@10 -m ERR@20 --json
  rerankit eval --dataset scifact-beir --retriever bm25 --model cross-encoder/ms-marco-MiniLM-L-6-v2 --top-k 100`)
    .action(async (qrelsArg: string | undefined, runArg: string | undefined, flags: EvalFlags, cmd: Command) => {
      foldLegacyFlags(flags);
      if (qrelsArg !== undefined) positional(flags, qrelsArg, runArg);
      if (flags.report) (await import('../../report/index.js')).reportFormat(flags.report); // a wrong extension fails before the work
      if (flags.run && !flags.dataset && !flags.candidates && !flags.runOut) {
        if (!flags.qrels) throw new CliError('--run needs --qrels');
        const { evalRunFiles } = await import('../trec-eval.js');
        if (flags.report) return evalRunFilesWithReport(flags.qrels, flags.run, flags, flags.report);
        return evalRunFiles(flags.qrels, flags.run, flags);
      }
      if (flags.runOut) await checkRunOut(flags.runOut); // before a long evaluation, not after it
      const { qrels, run, firstStage, latencyMs } = await produceRun(flags, cmd);
      if (flags.runOut) await writeRun(flags.runOut, run, flags);
      const { printEvaluation } = await import('../trec-eval.js');
      await printEvaluation(qrels, run, { ...flags, metric: flags.metric ?? (flags.run ? ['official'] : undefined) });
      if (flags.report) await writeEvalReport(flags.report, qrels, run, { ...flags, metric: flags.metric ?? (flags.run ? ['official'] : undefined) }, firstStage, latencyMs);
    });
}

/** The drop-in path (same readers, same printout) that also keeps the qrels and run for the report. */
async function evalRunFilesWithReport(qrelsPath: string, runPath: string, flags: EvalFlags, report: string): Promise<void> {
  if (qrelsPath === '-' && runPath === '-') throw new CliError('only one of QRELS and RUN can be - (standard input)');
  const { printEvaluation, readQrelsFile, readRunFile } = await import('../trec-eval.js');
  const qrels = await readQrelsFile(qrelsPath);
  const run = await readRunFile(runPath);
  const metric = flags.metric ?? ['official'];
  await printEvaluation(qrels, run, { ...flags, metric });
  await writeEvalReport(report, qrels, run, { ...flags, metric });
}

/** --report: the same evaluation as printed (same measures and options), laid out as a page or Markdown. */
async function writeEvalReport(path: string, qrels: import('../../eval/types.js').Qrels, run: import('../../eval/types.js').Run | import('../../eval/types.js').RunTable, flags: EvalFlags, firstStage?: import('../../eval/types.js').Run, latencyMs?: number[]): Promise<void> {
  const { evalReport, writeReport } = await import('../../report/index.js');
  let subtopics;
  if (flags.subtopicQrels) {
    const { parseSubtopicQrels } = await import('../../eval/trec.js');
    const { readBytes } = await import('../util.js');
    subtopics = parseSubtopicQrels(await readBytes(flags.subtopicQrels, 'subtopic qrels'), flags.subtopicQrels);
  }
  const title = flags.model ?? flags.reranker ?? (flags.run === '-' ? 'run (standard input)' : flags.run) ?? flags.retriever ?? flags.candidates ?? 'run';
  await writeReport(path, evalReport(qrels, run, {
    title, measures: flags.metric, relevanceLevel: flags.relevanceLevel, complete: flags.complete, maxRetrieved: flags.maxRetrieved,
    judgedOnly: flags.judgedOnly, numDocsInColl: flags.numDocs, subtopics, firstStage, latencyMs,
  }));
}

/** --report's latency: each query's rerank call timed around the reranker; the calls are the same. */
function timed(reranker: import('../../types.js').Reranker, times: number[]): import('../../types.js').Reranker {
  return new Proxy(reranker, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== 'function') return value;
      if (key !== 'rerank') return value.bind(target);
      return async (...args: unknown[]) => {
        const t0 = performance.now();
        try {
          return await value.apply(target, args);
        } finally {
          times.push(performance.now() - t0);
        }
      };
    },
  });
}

/** `rerankit eval QRELS RUN`: trec_eval's two arguments, the same as --qrels and --run. */
function positional(flags: EvalFlags, qrels: string, run: string | undefined): void {
  if (run === undefined) throw new CliError(`give the run after the qrels: rerankit eval ${qrels} RUN`);
  if (flags.qrels !== undefined || flags.run !== undefined) throw new CliError('give the qrels and run either as arguments (QRELS RUN) or as --qrels/--run, not both');
  flags.qrels = qrels;
  flags.run = run;
}

/**
 * Old spellings: `--reranker <model>` (now --model; --reranker is a kind, as in rerank) and
 * `--reranker-kind <kind>` (now --reranker). Each still works and says what to write instead.
 */
function foldLegacyFlags(flags: EvalFlags): void {
  foldLegacyModel(flags);
  if (flags.reranker !== undefined && !flags.rerankerKind && looksLikeModel(flags.reranker)) {
    warn(`--reranker takes a kind (as in rerankit rerank); reading "${flags.reranker}" as --model ${flags.reranker}`);
    if (flags.model !== undefined) throw new CliError('give the model once: --model');
    flags.model = flags.reranker;
    flags.reranker = undefined;
  }
  if (flags.rerankerKind !== undefined) {
    warn(`--reranker-kind is now --reranker (a kind) with --model (the model); reading it as --reranker ${flags.rerankerKind}`);
    if (flags.reranker !== undefined) {
      if (flags.model !== undefined) throw new CliError('give --reranker <kind> and --model <model>; --reranker-kind is the old spelling of --reranker');
      flags.model = flags.reranker; // the old pair: --reranker <model> --reranker-kind <kind>
    }
    flags.reranker = flags.rerankerKind;
  }
  delete flags.rerankerKind;
}

/** An old `--reranker <model>`: a path or hub id, not a kind name (kinds are plain words). */
function looksLikeModel(v: string): boolean {
  return /[/\\.]/.test(v);
}

/** The run file's place must take a file: checked before the evaluation starts. */
async function checkRunOut(path: string): Promise<void> {
  const { stat, access } = await import('node:fs/promises');
  const { constants } = await import('node:fs');
  const { dirname } = await import('node:path');
  const st = await stat(path).catch(() => undefined);
  if (st?.isDirectory()) throw new CliError(`--run-out ${path} is a folder; give a file name, e.g. ${path.replace(/\/+$/, '')}/run.trec`);
  const dir = dirname(path);
  const parent = await stat(dir).catch(() => undefined);
  if (!parent) throw new CliError(`--run-out ${path}: the folder ${dir} does not exist`, 'RERANK_FILE');
  if (!parent.isDirectory()) throw new CliError(`--run-out ${path}: ${dir} is a file, not a folder`, 'RERANK_FILE');
  const { fsErrorText } = await import('../../util/fs-errors.js');
  await access(st ? path : dir, constants.W_OK).catch((e: unknown) => {
    throw new CliError(`--run-out ${path}: cannot write there: ${fsErrorText(e)}`, 'RERANK_FILE');
  });
}

async function writeRun(path: string, run: import('../../eval/types.js').Run, flags: EvalFlags): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  const { formatRun } = await import('../../eval/trec.js');
  const { fileError } = await import('../util.js');
  const tag = flags.model || flags.reranker ? 'rerankit-rerank' : `rerankit-${flags.retriever ?? 'candidates'}`;
  await writeFile(path, formatRun(run, tag)).catch((e: unknown) => {
    throw fileError('write', path, e);
  });
}

async function produceRun(flags: EvalFlags, cmd: Command) {
  const trec = await import('../../eval/trec.js');
  const { readText } = await import('../../eval/beir.js');
  if (flags.run) {
    if (!flags.qrels) throw new CliError('--run needs --qrels');
    if (flags.dataset || flags.candidates) throw new CliError('give either --run or --dataset/--candidates, not both');
    return { qrels: trec.parseQrels(await readText(flags.qrels), flags.qrels), run: trec.parseRun(await readText(flags.run), flags.run) };
  }
  if (!flags.dataset && !(flags.candidates && flags.qrels)) throw new CliError('give --qrels and --run, --dataset, or --candidates with --qrels');
  const ds = flags.dataset ? await loadDataset(flags.dataset, flags, cmd) : undefined;
  const qrels = flags.qrels ? trec.parseQrels(await readText(flags.qrels), flags.qrels) : ds!.qrels;
  const config = await rerankerOf(flags, cmd);
  const stages = [...firstStages(flags, ds), ...(config ? ['rerank'] : [])];
  // Built before the first stage runs, so a wrong model or option fails at once, not after it.
  const { createReranker } = await import('../../registry.js');
  const reranker = config ? await createReranker({ ...config.options, kind: config.kind }) : undefined;
  let lists;
  try {
    lists = await candidateLists(flags, stages, ds);
  } catch (e) {
    await reranker?.close();
    throw e;
  }
  const { rerankCandidates } = await import('../../eval/runner.js');
  const { progressBar } = await import('../../util/progress.js');
  const bar = reranker ? await progressBar('rerank', { unit: 'queries', step: [stages.length, stages.length] }) : { update: () => {}, stop: () => {} };
  bar.update(0, lists.length); // drawn from the start: a slow first query is a job in progress too
  const latencyMs: number[] = [];
  try {
    const run = await rerankCandidates(lists, reranker && flags.report ? timed(reranker, latencyMs) : reranker, flags.topK, bar.update);
    // --report compares the reranking with the first stage it reordered (no model calls: the lists' own order).
    const firstStage = reranker && flags.report ? await rerankCandidates(lists, undefined, flags.topK) : undefined;
    return { qrels, run, firstStage, latencyMs };
  } finally {
    bar.stop();
    await reranker?.close();
  }
}

/** The labelled stages a run goes through, for the progress bars' [i/n]. */
function firstStages(flags: EvalFlags, ds?: import('../../eval/types.js').Dataset): string[] {
  if (flags.candidates || (!flags.retriever && ds?.candidates)) return [];
  if (/^postgres(ql)?:\/\//.test(flags.retriever ?? '')) return ['retrieve']; // the table is the index
  const build = flags.retriever === 'bm25' ? ['index'] : flags.retriever === 'vector' ? ['embed'] : ['index', 'embed'];
  return [...build, 'retrieve'];
}

/** The dataset; --split is refused where the folder has no such split (or no splits at all). */
async function loadDataset(dir: string, flags: EvalFlags, cmd: Command) {
  const { detectFormat, loadDataset } = await import('../../eval/datasets.js');
  const format = detectFormat(dir);
  if (format !== 'beir' && cmd.getOptionValueSource('split') === 'cli') {
    throw new CliError(`--split applies to BEIR folders; ${dir} is a ${format} folder, which has one set of judgments (leave --split out)`);
  }
  return loadDataset(dir, flags.split);
}

async function candidateLists(flags: EvalFlags, stages: string[], ds?: import('../../eval/types.js').Dataset) {
  const limit = <T>(xs: T[]) => (flags.maxQueries ? xs.slice(0, flags.maxQueries) : xs);
  if (flags.candidates) {
    const { parseCandidates } = await import('../../eval/candidates.js');
    return limit(parseCandidates(await (await import('../../eval/beir.js')).readText(flags.candidates)));
  }
  if (!flags.retriever && ds?.candidates) return limit(ds.candidates); // rerank-only collections (NovelEval)
  if (!flags.retriever) throw new CliError('--dataset needs --retriever bm25|vector|hybrid (or --candidates)');
  if (/^postgres(ql)?:\/\//.test(flags.retriever)) return postgresCandidates(flags, limit([...ds!.queries]), stages);
  if (!['bm25', 'vector', 'hybrid'].includes(flags.retriever)) throw new CliError('--retriever must be bm25, vector or hybrid');
  if (flags.retriever !== 'bm25' && !flags.embedModel) throw new CliError(`--retriever ${flags.retriever} needs --embed-model <bi-encoder id or folder>`);
  const { docText } = await import('../../eval/beir.js');
  const docs = ds!.docs.map((d) => ({ id: d.id, text: docText(d) }));
  const byId = new Map(docs.map((d) => [d.id, d.text]));
  const { progressBar, stagedProgress } = await import('../../util/progress.js');
  const indexBar = await stagedProgress(stages, { unit: 'documents' });
  indexBar.update(0, docs.length, stages[0]!);
  const { buildRetriever } = await import('../../retrieval/index.js');
  const retriever = await buildRetriever(flags.retriever as 'bm25', docs, { language: flags.language, model: flags.embedModel, loadEmbedder: loadBiEncoder, onProgress: indexBar.update });
  indexBar.stop();
  const queries = new Map(limit([...ds!.queries]));
  const { retrieveCandidates } = await import('../../eval/runner.js');
  const bar = await progressBar('retrieve', { unit: 'queries', step: [stages.indexOf('retrieve') + 1, stages.length] });
  bar.update(0, queries.size);
  try {
    return await retrieveCandidates(queries, retriever, flags.firstStageK, (id) => byId.get(id), bar.update);
  } finally {
    bar.stop();
  }
}

/** The first stage over an existing Postgres table (`--retriever postgres://...?table=docs`); the dataset gives queries and qrels. */
async function postgresCandidates(flags: EvalFlags, queries: [string, string][], stages: string[]) {
  const { PostgresRetriever, postgresOptionsFromUrl } = await import('../../retrieval/postgres.js');
  const o = postgresOptionsFromUrl(flags.retriever!);
  if (o.mode === 'vector' && !flags.embedModel) throw new CliError('--retriever postgres://...&mode=vector needs --embed-model <the bi-encoder of the embedding column>');
  const retriever = await PostgresRetriever.open({ ...o, ...(o.mode === 'vector' ? { embedder: await loadBiEncoder(flags.embedModel!) } : {}) });
  const { retrieveCandidates } = await import('../../eval/runner.js');
  const { progressBar } = await import('../../util/progress.js');
  const bar = await progressBar('retrieve', { unit: 'queries', step: [1, stages.length] });
  bar.update(0, queries.length);
  try {
    return await retrieveCandidates(new Map(queries), retriever, flags.firstStageK, () => undefined, bar.update);
  } finally {
    bar.stop();
    await retriever.close();
  }
}

/** The reranker the shared reranker flags describe, or none when neither --reranker nor --model is given. */
async function rerankerOf(flags: EvalFlags, cmd: Command) {
  if (flags.reranker === undefined && flags.model === undefined) {
    const given = [...RERANKER_FLAGS].find((k) => cmd.getOptionValueSource(k) === 'cli');
    if (given) throw new CliError(`--${kebab(given)} is a reranker option, but no reranker is given (add --model <id|folder>, or --reranker <kind>)`);
    return undefined;
  }
  return rerankerConfig(flags, cmd, { kind: flags.reranker ?? 'cross-encoder' });
}
