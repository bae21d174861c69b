import { statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { collect, intArg, warn } from '../util.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve rerankers over HTTP for Cohere, Jina, TEI, Infinity and Metarank clients (see docs/server.md)')
    .option('--model <[name=]id|folder>', 'a model to serve (repeatable; the first is the default; default: cross-encoder/ms-marco-MiniLM-L-6-v2)', collect)
    .addOption(new Option('-m <[name=]id|folder>', 'old spelling of --model').hideHelp().argParser(collect))
    .option('-c, --config <file>', 'YAML settings file (same keys as these flags)')
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option('-p, --port <port>', 'port (0 picks a free one; default 8080)', intArg('--port', 0))
    .option('--api-key <key>', 'require "Authorization: Bearer <key>" (repeatable)', collect)
    .option('--kind <kind>', 'reranker kind for --model entries (default cross-encoder)')
    .option('--dtype <dtype>', 'ONNX variant for --model entries: fp32, fp16, int8, ...')
    .option('--max-length <n>', 'tokens per pair (default: the model limit)', intArg('--max-length', 1))
    .option('--long-documents <mode>', 'truncate or chunk')
    .option('--threads <n>', 'ONNX Runtime intra-op threads', intArg('--threads', 1))
    .option('--max-documents <n>', 'documents per request (default 1000)', intArg('--max-documents', 1))
    .option('--max-query-chars <n>', 'characters per query (default 10000)', intArg('--max-query-chars', 1))
    .option('--max-document-chars <n>', 'characters per document (default 100000)', intArg('--max-document-chars', 1))
    .option('--max-body-bytes <n>', 'request body size (default 10 MiB)', intArg('--max-body-bytes', 1))
    .option('--max-queue <n>', 'requests waiting per model before 429 (default 256)', intArg('--max-queue', 1))
    .option('--max-queue-ms <ms>', 'refuse (429) a request whose expected queue wait passes this (default 0: off)', intArg('--max-queue-ms', 0))
    .option('--max-batch-tokens <n>', 'padded tokens per merged model call (default 16384)', intArg('--max-batch-tokens', 1))
    .option('--max-batch-pairs <n>', 'pairs per merged model call (default 256)', intArg('--max-batch-pairs', 1))
    .option('--max-wait-ms <n>', 'how long a request waits for others to batch with (default 5)', intArg('--max-wait-ms', 0))
    .option('--cache-size <n>', 'cached scores (0 disables; default 10000)', intArg('--cache-size', 0))
    .option('--cache-bytes <n>', 'bytes the score cache may hold per model (default 32 MiB)', intArg('--cache-bytes', 1))
    .option('--max-connections <n>', 'open connections; more are refused (default 1024)', intArg('--max-connections', 1))
    .option('--request-timeout-ms <ms>', 'time a client has to send its whole request (default 30000)', intArg('--request-timeout-ms', 1))
    .option('--headers-timeout-ms <ms>', 'time a client has to send its headers (default 10000)', intArg('--headers-timeout-ms', 1))
    .option('--keep-alive-timeout-ms <ms>', 'how long an idle keep-alive connection stays open (default 5000)', intArg('--keep-alive-timeout-ms', 1))
    .option('--max-buffered-bytes <n>', 'request-body bytes held across connections before 429 (default 64 MiB)', intArg('--max-buffered-bytes', 1))
    .option('--retry-after <s>', 'seconds a 429 tells clients to wait (default 1)', intArg('--retry-after', 0))
    .option('--cache <url>', 'redis://host:port/db: a score cache shared by replicas, also holding rate-limit buckets and usage counters (docs/deploy.md)')
    .option('--cache-ttl <s>', 'seconds a score lives in the shared cache (default 86400)', intArg('--cache-ttl', 1))
    .option('--cache-timeout-ms <ms>', 'how long a request waits for Redis before going on without it (default 50)', intArg('--cache-timeout-ms', 1))
    .option('--rate-limit <n>', 'rerank requests per minute per API key, across replicas sharing --cache (default 0: none)', intArg('--rate-limit', 0))
    .option('--rate-limit-burst <n>', 'requests a key may send at once (default 0: a tenth of --rate-limit)', intArg('--rate-limit-burst', 0))
    .option('--drain-ms <ms>', 'on SIGTERM, how long /ready answers 503 while requests are still served (default 0)', intArg('--drain-ms', 0))
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (default info)')
    .option('--index <dir>', 'a saved index (rerankit index) to search at POST /v1/search and in the playground: first stage, then rerank')
    .option('--no-ui', 'do not serve the playground at /ui')
    .addHelpText('after', `
Examples:
  rerankit serve --model cross-encoder/ms-marco-MiniLM-L-6-v2 --port 8080
  rerankit serve --model ./my-reranker --model bge=BAAI/bge-reranker-base --api-key s3cret
  rerankit serve --config rerankit.yaml --log-level warn`)
    .action(async (flags: Record<string, unknown>) => {
      if (flags.m !== undefined) {
        warn('-m for --model is deprecated: -m is the measure in eval, compare and analyze; write --model');
        flags.model = [...((flags.model as string[] | undefined) ?? []), ...(flags.m as string[])];
        delete flags.m;
      }
      const { resolveSettings } = await import('../../server/config.js');
      const { startServer } = await import('../../server/start.js');
      const settings = await resolveSettings({ ...flags, models: flags.model, apiKeys: flags.apiKey, model: undefined, apiKey: undefined, ui: flags.ui === false ? false : undefined });
      warnPointless(settings.models);
      const say = (line: string) => process.stderr.write(`rerankit: ${line}\n`);
      const server = await startServer(settings, (url) => say(`listening on ${url}`));
      say(`ready: ${server.pool.list().map((m) => m.name).join(', ') || 'no rerank models (learned models only)'}`);
      if (settings.ui !== false) say(`playground: ${server.url}/ui/`);
      await untilSignal();
      if (settings.drainMs > 0) say(`draining: /ready answers 503, serving for ${settings.drainMs} ms more`);
      await server.drain();
      say('shutting down: finishing in-flight requests');
      await server.close();
      say('stopped');
    });
}

/** `revision` on a local folder changes nothing: said once per model, the input is valid. */
function warnPointless(models: import('../../server/settings.js').ModelSpec[]): void {
  for (const m of models) {
    const revision = m.revision ?? m.defaults?.revision;
    if (typeof revision === 'string' && typeof m.model === 'string' && isDir(m.model)) {
      warn(`revision applies to hub ids; model "${m.name}" is the local folder ${m.model}, so revision ${revision} changes nothing`);
    }
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Resolves on the first SIGTERM or SIGINT; a second one exits at once. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = () => {
      process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
      const force = () => process.exit(130);
      process.once('SIGTERM', force).once('SIGINT', force);
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
