import { existsSync, statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { CliError, intArg, warn } from './util.js';

/**
 * The reranker flags, defined once: every command that builds a reranker (rerank, eval) takes exactly
 * these, with the same meaning. `--reranker` is always a registry kind, `--model` always the model the
 * reranker runs (hub id, folder, or a hosted API's model name); the bi-encoder of a first stage is
 * `--embed-model`, and `-m` is a measure (eval, compare, analyze). A flag added here reaches the kind as
 * its camelCase option, and is refused for kinds that do not take it.
 */
export function addRerankerOptions(cmd: Command, o: { defaultKind?: string; legacyShortModel?: boolean } = {}): Command {
  const kinds = helpContext.kinds ? `: ${helpContext.kinds.join(', ')}` : ' (the list: --help)';
  const kind = new Option('--reranker <kind>', `reranker kind${kinds}`);
  const group = cmd.optionsGroup();
  cmd
    .optionsGroup('Reranker options (the same in rerank and eval):')
    .addOption(o.defaultKind ? kind.default(o.defaultKind) : kind)
    .option('--model <id|folder>', 'the reranker\'s model: Hugging Face id or local folder (ONNX kinds), or the model name at the API')
    .option('--max-length <n>', 'tokens per pair (default: the model limit)', intArg('--max-length', 1))
    .option('--dtype <dtype>', 'ONNX variant: fp32, fp16, int8, ... or an .onnx file name', 'fp32')
    .option('--long-documents <mode>', 'truncate or chunk', 'truncate')
    .option('--revision <rev>', 'hub branch, tag or commit (hub ids only)')
    .option('--threads <n>', 'ONNX Runtime intra-op threads', intArg('--threads', 1))
    .option('--recipe <name|file>', 'decoder LLM rerankers: qwen3-reranker, bge-reranker-v2-gemma or a recipe .json/.yaml (default: from config.json and the model name)')
    .option('--instruction <text>', 'decoder LLM rerankers: the task instruction (Qwen3\'s Instruct, the Gemma recipe\'s prompt)')
    .option('--no-prefix-cache', 'decoder LLM rerankers: run each prompt whole instead of the part shared by a query\'s documents once')
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
    .option('--concurrency <n>', 'LLM and hosted APIs: requests in flight (default 4)', intArg('--concurrency', 1));
  if (o.legacyShortModel) cmd.addOption(legacyModelShort());
  return cmd.optionsGroup(group);
}

/** Filled by main() when help is asked for, so --help lists the registry's kinds without loading it on every run. */
export const helpContext: { kinds?: string[] } = {};

/** The option names addRerankerOptions defines (commander's camelCase attribute names). */
export const RERANKER_FLAGS = new Set([
  'reranker', 'model', 'maxLength', 'dtype', 'longDocuments', 'revision', 'threads', 'recipe', 'instruction', 'prefixCache',
  'llmBaseUrl', 'llmModel', 'llmApiKey', 'llmEndpoint', 'window', 'stride', 'passes', 'promptStyle', 'prompts', 'pointwiseMode',
  'apiBaseUrl', 'apiKey', 'apiVersion', 'timeoutMs', 'retries', 'concurrency',
]);

/**
 * `-m` for `--model`, kept for commands where it meant that before `-m` became a measure everywhere
 * (eval, compare, analyze): hidden from --help, and it says so on stderr.
 */
export function legacyModelShort(): Option {
  return new Option('-m <id|folder>', 'old spelling of --model').hideHelp();
}

/** Folds a legacy `-m` into `--model` (with a warning); call first in an action. */
export function foldLegacyModel(flags: Record<string, unknown>, cmd?: Command): void {
  if (flags.m === undefined) return;
  warn('-m for --model is deprecated: -m is the measure in eval, compare and analyze; write --model');
  if (flags.model === undefined || cmd?.getOptionValueSource('model') === 'default') flags.model = flags.m;
  else if (flags.model !== flags.m) throw new CliError('give the model once: --model (-m is its old spelling)');
  delete flags.m;
}

/**
 * The reranker the flags describe: its kind and the options the user gave (flag defaults left out, as
 * each kind has its own), checked against the kind before anything loads: a flag the kind does not
 * take is RERANK_USAGE naming it (`--window does not apply to --reranker pairwise`). `isOption` picks
 * which parsed flags are reranker options (default: the shared ones).
 */
export async function rerankerConfig(
  flags: Record<string, unknown>, cmd: Command, o: { kind: string; isOption?: (key: string) => boolean },
): Promise<{ kind: string; options: Record<string, unknown> }> {
  if (!['truncate', 'chunk'].includes(String(flags.longDocuments))) throw new CliError('--long-documents must be "truncate" or "chunk"');
  const isOption = o.isOption ?? ((k: string) => RERANKER_FLAGS.has(k) && k !== 'reranker');
  const options = Object.fromEntries(Object.entries(flags).filter(([k, v]) => isOption(k) && v !== undefined && cmd.getOptionValueSource(k) !== 'default'));
  const { rerankerOptions } = await import('../registry.js');
  const accepted = rerankerOptions(o.kind);
  const stray = accepted && Object.keys(options).find((k) => !accepted.includes(k));
  if (stray) throw new CliError(`--${kebab(stray)} does not apply to --reranker ${o.kind} (see rerankit ${cmd.name()} --help)`);
  if (o.kind === 'cross-encoder' && !options.model) throw new CliError('--model is required (a Hugging Face id or a local folder)');
  if (typeof options.revision === 'string' && typeof options.model === 'string' && isDir(options.model)) {
    warn(`--revision applies to hub ids; ${options.model} is a local folder, so --revision ${options.revision} changes nothing`);
  }
  return { kind: o.kind, options };
}

export const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function isDir(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isDirectory();
  } catch {
    return false;
  }
}
