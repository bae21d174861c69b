import type { Command } from 'commander';
import type { RerankResult } from '../../types.js';
import { addRerankerOptions, foldLegacyModel, rerankerConfig } from '../reranker-flags.js';
import { intArg, numArg, printJson, readBytes } from '../util.js';

interface RerankFlags {
  reranker: string;
  query: string;
  documents: string;
  topK?: number;
  threshold?: number;
  returnDocuments?: boolean;
  [flag: string]: unknown;
}

export function register(program: Command): void {
  const cmd = program
    .command('rerank')
    .description('rerank documents for a query; prints {"results":[{index, score, logits|raw|rank|members}]} best first')
    .requiredOption('-q, --query <text>', 'the query')
    .requiredOption('-d, --documents <file|->', 'one document per line: a JSON string or an object with a "text" field ("-" reads stdin)')
    .option('-k, --top-k <n>', 'keep the best n', intArg('--top-k', 1))
    .option('--threshold <score>', 'drop results scoring below this (scores are in [0, 1])', numArg('--threshold', { min: 0, max: 1, why: 'the range of every score' }))
    .option('--return-documents', 'include each document in its result')
    .option('--explain', 'add each result\'s "explanation": its score attributed to query and document spans (docs/explain.md)')
    .option('--explain-calls <n>', 'with --explain: at most this many extra pairs scored (default 512)', intArg('--explain-calls', 1));
  addRerankerOptions(cmd, { defaultKind: 'cross-encoder', legacyShortModel: true })
    .addHelpText('after', `
Examples:
  rerankit rerank --model cross-encoder/ms-marco-MiniLM-L-6-v2 -q "capital of france" -d docs.jsonl --top-k 3
  cat docs.jsonl | rerankit rerank --model ./my-reranker -q "what is bm25" -d - --threshold 0.5
  rerankit rerank --reranker listwise --llm-base-url http://localhost:8000/v1 --llm-model my-llm -q "..." -d docs.jsonl`)
    .action(async (flags: RerankFlags, cmd: Command) => {
      foldLegacyModel(flags);
      // Every flag but the command's own is an option of the reranker kind.
      const { kind, options } = await rerankerConfig(flags, cmd, { kind: flags.reranker, isOption: (k) => !COMMAND_FLAGS.has(k) });
      const { parseDocuments } = await import('../documents.js');
      const documents = parseDocuments(await readBytes(flags.documents, 'documents (one JSON string or {"text": ...} per line)'), flags.documents === '-' ? 'stdin' : flags.documents);
      const { createReranker } = await import('../../registry.js');
      const reranker = await createReranker({ ...options, kind });
      try {
        const options = { topK: flags.topK, threshold: flags.threshold, returnDocuments: Boolean(flags.returnDocuments) };
        const explain = flags.explain ? (flags.explainCalls ? { maxCalls: flags.explainCalls as number } : true) : undefined;
        const results = explain
          ? await (await import('../../explain/index.js')).explainRerank(reranker, flags.query, documents, { ...options, explain })
          : await reranker.rerank(flags.query, documents, options);
        // The cross-encoder's {index, score, logits} is a contract; every other reranker also prints its raw score.
        const { CrossEncoder } = await import('../../backends/onnx/cross-encoder.js');
        const classic = reranker instanceof CrossEncoder;
        printJson({ results: results.map((r) => printable(r, classic)) });
      } finally {
        await reranker.close();
      }
    });
}

/** The command's own flags; every other flag given on the command line is an option of the reranker kind. */
const COMMAND_FLAGS = new Set(['reranker', 'query', 'documents', 'topK', 'threshold', 'returnDocuments', 'explain', 'explainCalls']);

/**
 * One printed result: a cross-encoder's is exactly {index, score, logits} (+ document); any other
 * reranker prints index, score, its raw score, and whichever of logits, rank and members it has.
 */
function printable(r: RerankResult, classic: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { index: r.index, score: r.score };
  if (r.raw !== undefined && !classic) out.raw = r.raw;
  if (r.logits !== undefined) out.logits = r.logits;
  if (r.rank !== undefined) out.rank = r.rank;
  if (r.members !== undefined) out.members = r.members;
  if (r.document !== undefined) out.document = r.document;
  if (r.explanation !== undefined) out.explanation = r.explanation;
  return out;
}
