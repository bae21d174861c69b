import { CliError, fileError, printJson, readBytes } from './util.js';

/**
 * `rerankit eval QRELS RUN` as a drop-in for trec_eval: reads the files (RUN may be `-`, standard input,
 * streamed so runs bigger than memory-friendly strings are fine), evaluates, and prints trec_eval's text,
 * the friendly table (--table) or JSON. Evaluation modules load here, inside the command.
 */

export interface TrecEvalFlags {
  metric?: string[];
  relevanceLevel: number;
  complete?: boolean;
  perQuery?: boolean;
  summary?: boolean;
  maxRetrieved?: number;
  judgedOnly?: boolean;
  numDocs?: number;
  subtopicQrels?: string;
  json?: boolean;
  table?: boolean;
}

type Run = import('../eval/types.js').Run;
type RunTable = import('../eval/types.js').RunTable;
type Qrels = import('../eval/types.js').Qrels;

/** A run file (or `-`) read in 16 MB chunks into the columnar form. */
export async function readRunFile(path: string): Promise<RunTable> {
  const { RunReader } = await import('../eval/trec-read.js');
  const reader = new RunReader(path === '-' ? 'run (stdin)' : path);
  if (path === '-') {
    if (process.stdin.isTTY) process.stderr.write('rerankit: reading the run from the terminal; end with Ctrl-D (or pipe it: ... - < run.txt)\n');
    for await (const chunk of process.stdin) reader.feed(chunk as Buffer);
    return reader.end();
  }
  const { open } = await import('node:fs/promises');
  const file = await open(path, 'r').catch((e: unknown) => {
    throw fileError('read', path, e);
  });
  try {
    const buf = Buffer.allocUnsafe(1 << 24);
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, buf.length, null).catch((e: unknown) => {
        throw fileError('read', path, e);
      });
      if (bytesRead === 0) break;
      reader.feed(buf.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return reader.end();
}

export async function readQrelsFile(path: string): Promise<Qrels> {
  const { parseQrels } = await import('../eval/trec.js');
  return parseQrels(await readBytes(path, 'qrels'), path === '-' ? 'qrels (stdin)' : path);
}

/** Evaluates QRELS against RUN and prints the result; the files' paths are trec_eval's two arguments. */
export async function evalRunFiles(qrelsPath: string, runPath: string, flags: TrecEvalFlags): Promise<void> {
  if (qrelsPath === '-' && runPath === '-') throw new CliError('only one of QRELS and RUN can be - (standard input)');
  const qrels = await readQrelsFile(qrelsPath);
  const run = await readRunFile(runPath);
  await printEvaluation(qrels, run, { ...flags, metric: flags.metric ?? ['official'] });
}

/** Evaluates and prints in the chosen form; shared by run files and pipelines (--dataset, --candidates). */
export async function printEvaluation(qrels: Qrels, run: Run | RunTable, flags: TrecEvalFlags): Promise<void> {
  const { evaluateTrec, formatTrecEval, toEvalResult } = await import('../eval/evaluate.js');
  let subtopics;
  if (flags.subtopicQrels) {
    const { parseSubtopicQrels } = await import('../eval/trec.js');
    subtopics = parseSubtopicQrels(await readBytes(flags.subtopicQrels, 'subtopic qrels'), flags.subtopicQrels);
  } else if ((flags.metric ?? []).some((m) => /^(alpha|α)_ndcg/i.test(m.trim()))) {
    throw new CliError('alpha_nDCG needs diversity qrels (qid subtopic docid rel): add --subtopic-qrels <file>');
  }
  const ev = evaluateTrec(qrels, run, {
    measures: flags.metric, relevanceLevel: flags.relevanceLevel, complete: flags.complete, maxRetrieved: flags.maxRetrieved,
    judgedOnly: flags.judgedOnly, numDocsInColl: flags.numDocs, subtopics,
  });
  if (flags.json) return printJson(toEvalResult(ev));
  if (flags.table) {
    const { formatEval } = await import('../eval/format.js');
    const { perQueryMeasures } = await import('../eval/measures.js');
    const result = toEvalResult(ev);
    const names = Object.keys(toEvalResult(ev, false).all);
    const friendly = Object.fromEntries(perQueryMeasures(ev.plan).map((m) => [m.name, m.friendly === m.name ? '' : m.friendly]));
    return void process.stdout.write(formatEval(result, names, friendly));
  }
  process.stdout.write(formatTrecEval(ev, { perQuery: flags.perQuery, summary: flags.summary }));
}
