import { Command, CommanderError } from 'commander';
import { isRerankError, messageOf } from '../errors.js';
import { describeSystemError, isSystemError } from '../util/fs-errors.js';

/** Each command module registers its options; heavy modules are imported inside actions only. */
const COMMANDS: (() => Promise<{ register(program: Command): void }>)[] = [
  () => import('./commands/rerank.js'),
  () => import('./commands/pull.js'),
  () => import('./commands/quantize.js'),
  () => import('./commands/serve.js'),
  () => import('./commands/eval.js'),
  () => import('./commands/compare.js'),
  () => import('./commands/fuse.js'),
  () => import('./commands/analyze.js'),
  () => import('./commands/index.js'),
  () => import('./commands/search.js'),
  () => import('./commands/bench.js'),
  () => import('./commands/experiments.js'),
  () => import('./commands/batch.js'),
  () => import('./commands/learn.js'),
];

export async function main(argv: string[]): Promise<void> {
  // `rerankit ... | head`: a reader that stops early is not an error; end quietly as Unix tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const program = new Command('rerankit')
    .description('Rerankers for search and RAG: exact ONNX cross-encoders, LLM and hosted rerankers, server, retrieval, evaluation')
    .version('0.1.0')
    .exitOverride()
    // Parse errors are reported by report() in the one error format; commands inherit both settings.
    .configureOutput({ outputError: () => {} });
  program.addHelpText('after', `
Examples:
  rerankit rerank --model cross-encoder/ms-marco-MiniLM-L-6-v2 -q "capital of france" -d docs.jsonl
  rerankit serve --model BAAI/bge-reranker-base --port 8080
  rerankit eval --dataset scifact-beir --retriever bm25 --model cross-encoder/ms-marco-MiniLM-L-6-v2

Every command has its own help: rerankit <command> --help`);
  if (wantsHelp(argv)) {
    // --help lists the registry's kinds; loading the registry (zod, no backend) only for help keeps every other start fast.
    const { rerankerKinds } = await import('../registry.js');
    const { helpContext } = await import('./reranker-flags.js');
    helpContext.kinds = rerankerKinds();
  }
  for (const load of COMMANDS) (await load()).register(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = report(err, program, argv);
  }
}

/** Commander's exits that are not mistakes (help, version), or whose output it already wrote. */
const COMMANDER_DONE = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version', 'commander.executeSubCommandAsync']);

/** Prints one line for a user error and returns the exit code. */
function report(err: unknown, program: Command, argv: string[]): number {
  if (err instanceof CommanderError) {
    if (err.exitCode === 0 || COMMANDER_DONE.has(err.code)) return err.exitCode;
    // "error: required option '-q, --query <text>' not specified" → RERANK_USAGE, with where to look.
    const message = err.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' '); // one line: "(Did you mean ...?)" comes on its own
    console.error(`rerankit: error [RERANK_USAGE]: ${message} (see rerankit ${commandOf(program, argv)}--help)`);
    return 1;
  }
  if (isRerankError(err)) {
    // A usage mistake says where the command's flags are explained, once.
    const hint = err.code === 'RERANK_USAGE' && !/--help\)?$/.test(err.message) ? ` (see rerankit ${commandOf(program, argv)}--help)` : '';
    console.error(`rerankit: error [${err.code}]: ${err.message}${hint}`);
  }
  // A file or socket call that failed on the user's path (a folder given for a file, a full disk): a mistake in words, not a bug.
  else if (isSystemError(err)) console.error(`rerankit: error [RERANK_FILE]: ${describeSystemError(err)}`);
  else console.error(`rerankit: unexpected error: ${messageOf(err)}${process.env.RERANKIT_DEBUG ? `\n${(err as Error)?.stack}` : ''}`);
  return 1;
}

/** `rerank ` when argv names a known command, '' otherwise (the hint then points at the top-level help). */
function commandOf(program: Command, argv: string[]): string {
  const name = argv.slice(2).find((a) => !a.startsWith('-'));
  const cmd = program.commands.find((c) => c.name() === name || c.aliases().includes(name ?? ''));
  return cmd ? `${cmd.name()} ` : '';
}

function wantsHelp(argv: string[]): boolean {
  const args = argv.slice(2);
  return args.includes('--help') || args.includes('-h') || args[0] === 'help';
}
