import { Command, CommanderError } from 'commander';
import { isRerankError, messageOf } from '../errors.js';
import { CliError } from './util.js';

/** Each command module registers its options; heavy modules are imported inside actions only. */
const COMMANDS: (() => Promise<{ register(program: Command): void }>)[] = [
  () => import('./commands/rerank.js'),
  () => import('./commands/pull.js'),
  () => import('./commands/quantize.js'),
  () => import('./commands/serve.js'),
  () => import('./commands/eval.js'),
  () => import('./commands/compare.js'),
  () => import('./commands/analyze.js'),
  () => import('./commands/index.js'),
  () => import('./commands/search.js'),
  () => import('./commands/bench.js'),
];

export async function main(argv: string[]): Promise<void> {
  const program = new Command('rerankit')
    .description('Rerankers for search and RAG: exact ONNX cross-encoders, LLM and hosted rerankers, server, retrieval, evaluation')
    .version('0.1.0')
    .exitOverride();
  for (const load of COMMANDS) (await load()).register(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = report(err);
  }
}

/** Prints one line for a user error and returns the exit code. */
function report(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode; // commander already printed it
  if (isRerankError(err)) console.error(`rerankit: error [${err.code}]: ${err.message}`);
  else if (err instanceof CliError) console.error(`rerankit: error: ${err.message}`);
  else console.error(`rerankit: unexpected error: ${messageOf(err)}${process.env.RERANKIT_DEBUG ? `\n${(err as Error)?.stack}` : ''}`);
  return 1;
}
