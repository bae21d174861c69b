import type { Command } from 'commander';
import type { RerankResult } from '../../types.js';
import { CliError, intArg, numArg, printJson, readInput } from '../util.js';

interface RerankFlags {
  model?: string;
  reranker: string;
  query: string;
  documents: string;
  topK?: number;
  threshold?: number;
  maxLength?: number;
  dtype?: string;
  longDocuments?: string;
  revision?: string;
  threads?: number;
  [flag: string]: unknown;
}

export function register(program: Command): void {
  program
    .command('rerank')
    .description('rerank documents for a query; prints {"results":[{index, score, logits|raw|rank|members}]} best first')
    .option('-m, --model <id|folder>', 'Hugging Face model id or local model folder')
    .option('--reranker <kind>', 'cross-encoder, or another registered kind', 'cross-encoder')
    .requiredOption('-q, --query <text>', 'the query')
    .requiredOption('-d, --documents <file|->', 'one document per line: a JSON string or an object with a "text" field ("-" reads stdin)')
    .option('-k, --top-k <n>', 'keep the best n', intArg('--top-k', 1))
    .option('--threshold <score>', 'drop results scoring below this', numArg('--threshold'))
    .option('--max-length <n>', 'tokens per pair (default: the model limit)', intArg('--max-length', 1))
    .option('--dtype <dtype>', 'ONNX variant: fp32, fp16, int8, ... or an .onnx file name', 'fp32')
    .option('--long-documents <mode>', 'truncate or chunk', 'truncate')
    .option('--revision <rev>', 'hub branch, tag or commit')
    .option('--threads <n>', 'ONNX Runtime intra-op threads', intArg('--threads', 1))
    .option('--return-documents', 'include each document in its result')
    .option('--llm-base-url <url>', 'listwise/pairwise/pointwise: OpenAI-compatible endpoint, e.g. http://localhost:8000/v1 (env OPENAI_BASE_URL)')
    .option('--llm-model <name>', 'listwise/pairwise/pointwise: model name at that endpoint (default: --model)')
    .option('--llm-api-key <key>', 'listwise/pairwise/pointwise: API key (env OPENAI_API_KEY)')
    .option('--llm-endpoint <chat|completions>', 'LLM API: chat (default) or completions')
    .option('--window <n>', 'listwise: passages per LLM call (default 20)', intArg('--window', 2))
    .option('--stride <n>', 'listwise: window step, 0 < stride < window (default 10)', intArg('--stride', 1))
    .option('--passes <n>', 'listwise: sliding-window passes (default 1)', intArg('--passes', 1))
    .option('--prompt-style <style>', 'listwise: rankgpt (default) or rankzephyr')
    .option('--prompts <file.json>', 'LLM rerankers: JSON object of prompt templates overriding the defaults')
    .option('--pointwise-mode <mode>', 'pointwise: auto (default), logprobs or grade')
    .option('--api-base-url <url>', 'cohere/jina/voyage/tei/infinity/rerankit: service base URL')
    .option('--api-key <key>', 'hosted APIs: key (env COHERE_API_KEY, JINA_API_KEY, VOYAGE_API_KEY, ...)')
    .option('--api-version <v1|v2>', 'cohere: API version (default v2)')
    .option('--timeout-ms <ms>', 'LLM and hosted APIs: per-request timeout', intArg('--timeout-ms', 1))
    .option('--retries <n>', 'LLM and hosted APIs: retries on 429/5xx/timeouts (default 3)', intArg('--retries', 0))
    .option('--concurrency <n>', 'LLM and hosted APIs: requests in flight (default 4)', intArg('--concurrency', 1))
    .action(async (flags: RerankFlags, cmd: Command) => {
      if (!['truncate', 'chunk'].includes(String(flags.longDocuments))) throw new CliError('--long-documents must be "truncate" or "chunk"');
      if (flags.reranker === 'cross-encoder' && !flags.model) throw new CliError('--model is required (a Hugging Face id or a local folder)');
      const { createReranker, rerankerOptions } = await import('../../registry.js');
      const options = kindOptions(flags, cmd);
      const accepted = rerankerOptions(flags.reranker);
      const stray = accepted && Object.keys(options).find((k) => !accepted.includes(k));
      if (stray) throw new CliError(`--${kebab(stray)} does not apply to --reranker ${flags.reranker} (see rerankit rerank --help)`);
      const { parseDocuments } = await import('../documents.js');
      const documents = parseDocuments(await readInput(flags.documents), flags.documents === '-' ? 'stdin' : flags.documents);
      const reranker = await createReranker({ ...options, kind: flags.reranker });
      try {
        const results = await reranker.rerank(flags.query, documents, { topK: flags.topK, threshold: flags.threshold, returnDocuments: Boolean(flags.returnDocuments) });
        printJson({ results: results.map(printable) });
      } finally {
        await reranker.close();
      }
    });
}

/** The command's own flags; every other flag given on the command line is an option of the reranker kind. */
const COMMAND_FLAGS = new Set(['reranker', 'query', 'documents', 'topK', 'threshold', 'returnDocuments']);

/** The reranker options the user gave (flag defaults left out: each kind has its own defaults). */
function kindOptions(flags: RerankFlags, cmd: Command): Record<string, unknown> {
  return Object.fromEntries(Object.entries(flags).filter(([k, v]) => !COMMAND_FLAGS.has(k) && v !== undefined && cmd.getOptionValueSource(k) !== 'default'));
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * One printed result: a cross-encoder's is exactly {index, score, logits} (+ document); any other kind
 * prints index, score and whichever of raw, rank and members it has.
 */
function printable(r: RerankResult): Record<string, unknown> {
  const out: Record<string, unknown> = { index: r.index, score: r.score };
  if (r.logits !== undefined) out.logits = r.logits;
  else {
    if (r.raw !== undefined) out.raw = r.raw;
    if (r.rank !== undefined) out.rank = r.rank;
    if (r.members !== undefined) out.members = r.members;
  }
  if (r.document !== undefined) out.document = r.document;
  return out;
}
