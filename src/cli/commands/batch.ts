import type { Command } from 'commander';
import { addRerankerOptions, rerankerConfig } from '../reranker-flags.js';
import { CliError, intArg, printJson } from '../util.js';

interface Common {
  redis?: string;
  queue?: string;
}

interface SubmitFlags extends Common {
  candidates: string;
  model: string;
  out: string;
  chunk: number;
  attempts: number;
  detach?: boolean;
  json?: boolean;
}

const REDIS_HELP = 'Redis URL, redis://host:port[/db] (env RERANKIT_REDIS_URL)';
const QUEUE_HELP = "BullMQ queue (default: rerankit-<the model's last path segment>, so workers find their model's jobs)";

/**
 * `rerankit batch submit|worker|status|collect`: big reranking jobs split into chunks on a BullMQ
 * queue in Redis, scored by any number of workers. src/batch (BullMQ, ioredis) loads inside the actions.
 */
export function register(program: Command): void {
  const batch = program
    .command('batch')
    .description('rerank big candidate files on a job queue in Redis: submit, any number of workers, status, collect')
    .addHelpText('after', `
Examples:
  rerankit batch worker --redis redis://127.0.0.1:6379 --model cross-encoder/ms-marco-MiniLM-L-6-v2   # on every machine, any number
  rerankit batch submit --redis redis://127.0.0.1:6379 --candidates big.jsonl --model cross-encoder/ms-marco-MiniLM-L-6-v2 --out results.jsonl
  job=$(rerankit batch submit ... --detach); rerankit batch status $job; rerankit batch collect $job`);

  batch
    .command('submit')
    .description('queue a candidates file ({"qid","query","candidates":[{"docid","text"}]} per line) and wait for every chunk; writes {"qid","results":[{"docid","score"}]} per input line, best first, in input order')
    .option('--redis <url>', REDIS_HELP)
    .requiredOption('--candidates <jsonl>', "candidate lists, the eval command's --candidates format")
    .requiredOption('--model <id|folder>', 'the model the workers run (names the queue)')
    .requiredOption('--out <file>', 'results file (JSONL)')
    .option('--chunk <n>', 'input lines per job', intArg('--chunk', 1), 32)
    .option('--attempts <n>', 'tries per chunk when a worker fails on it', intArg('--attempts', 1), 3)
    .option('--queue <name>', QUEUE_HELP)
    .option('--detach', 'queue the job, print its id and return; then batch status / batch collect')
    .option('--json', 'print a summary as JSON on stdout')
    .action(async (flags: SubmitFlags) => {
      const { redisUrl } = await import('../../batch/store.js');
      const url = redisUrl(flags.redis);
      const { submitBatch } = await import('../../batch/jobs.js');
      const started = Date.now();
      const { meta, session } = await submitBatch({ redis: url, candidates: flags.candidates, model: flags.model, out: flags.out, chunk: flags.chunk, queue: flags.queue, attempts: flags.attempts });
      try {
        if (flags.detach) {
          process.stderr.write(`rerankit: batch ${meta.id}: ${meta.lines} queries (${meta.pairs} pairs) in ${meta.chunks} chunks on queue ${meta.queue}\n`
            + `  progress: rerankit batch status ${meta.id}; results: rerankit batch collect ${meta.id} (writes ${meta.out})\n`);
          if (flags.json) printJson({ job: meta.id, queue: meta.queue, queries: meta.lines, pairs: meta.pairs, chunks: meta.chunks });
          else process.stdout.write(`${meta.id}\n`);
          return;
        }
        await collect(session, meta, meta.out, started, flags.json);
      } finally {
        await session.close();
      }
    });

  const worker = batch
    .command('worker')
    .description("take chunks from the model's queue and score them until stopped (SIGINT/SIGTERM finish the chunk in hand); start any number, anywhere Redis is reachable")
    .option('--redis <url>', REDIS_HELP)
    .option('--queue <name>', QUEUE_HELP)
    .option('--lock-ms <ms>', "lock on a chunk in hand; a dead worker's chunk is retried after it runs out", intArg('--lock-ms', 100), 30_000)
    .option('--stalled-ms <ms>', 'how often to look for chunks of dead workers', intArg('--stalled-ms', 100), 30_000)
    .option('--max-stalled <n>', 'stalls before a chunk fails for good', intArg('--max-stalled', 0), 3);
  addRerankerOptions(worker, { defaultKind: 'cross-encoder' })
    .action(async (flags: Record<string, unknown> & Common & { lockMs: number; stalledMs: number; maxStalled: number; reranker: string }, cmd: Command) => {
      const { redisUrl } = await import('../../batch/store.js');
      const url = redisUrl(flags.redis);
      const { kind, options } = await rerankerConfig(flags, cmd, { kind: flags.reranker, isOption: (k) => !WORKER_FLAGS.has(k) });
      const { createReranker } = await import('../../registry.js');
      const reranker = await createReranker({ ...options, kind });
      const { startWorker } = await import('../../batch/worker.js');
      const log = (line: string) => process.stderr.write(`rerankit batch worker: ${line}\n`);
      let w;
      try {
        w = await startWorker(reranker, { redis: url, model: String(options.model ?? kind), kind, queue: flags.queue, lockMs: flags.lockMs, stalledMs: flags.stalledMs, maxStalled: flags.maxStalled, log });
      } catch (e) {
        await reranker.close();
        throw e;
      }
      log(`taking chunks from queue ${w.queue} (pid ${process.pid}); SIGINT or SIGTERM stops after the chunk in hand`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await w.close();
      await reranker.close();
      log(`stopped after ${w.chunks} chunk(s)`);
    });

  batch
    .command('status')
    .description("a job's progress: queries and chunks done, failures, workers on its queue")
    .argument('<job>', 'the id batch submit printed')
    .option('--redis <url>', REDIS_HELP)
    .option('--json', 'JSON on stdout')
    .action(async (job: string, flags: Common & { json?: boolean }) => {
      const { session, meta } = await open(job, flags.redis);
      try {
        const { batchStatus } = await import('../../batch/jobs.js');
        const s = await batchStatus(session, meta);
        if (flags.json) return printJson(s);
        const pct = Math.floor((100 * s.queries.done) / s.queries.total);
        console.log(`batch ${s.job}: ${s.state}, ${s.queries.done}/${s.queries.total} queries (${pct}%), ${s.chunks.done}/${s.chunks.total} chunks, ${s.chunks.failed} failed; `
          + `${s.pairs} pairs; model ${s.model}; queue ${s.queue} with ${s.workers} worker(s); results: rerankit batch collect ${s.job} (writes ${s.out})`);
        for (const f of s.failures ?? []) console.log(`  ${f}`);
      } finally {
        await session.close();
      }
    });

  batch
    .command('collect')
    .description('wait for a job (a progress bar) and write its results in input order, as a submit without --detach does')
    .argument('<job>', 'the id batch submit printed')
    .option('--redis <url>', REDIS_HELP)
    .option('--out <file>', "results file (default: the submit's --out)")
    .option('--json', 'print a summary as JSON on stdout')
    .action(async (job: string, flags: Common & { out?: string; json?: boolean }) => {
      const { session, meta } = await open(job, flags.redis);
      try {
        await collect(session, meta, flags.out ?? meta.out, Date.now(), flags.json);
      } finally {
        await session.close();
      }
    });
}

/** The worker's own flags; every other flag is an option of the reranker kind. */
const WORKER_FLAGS = new Set(['reranker', 'redis', 'queue', 'lockMs', 'stalledMs', 'maxStalled']);

type Session = import('../../batch/jobs.js').Session;
type Meta = import('../../batch/store.js').BatchMeta;

async function open(job: string, flag: string | undefined): Promise<{ session: Session; meta: Meta }> {
  const { redisUrl, readMeta, connectRedis } = await import('../../batch/store.js');
  const url = redisUrl(flag);
  const probe = await connectRedis(url);
  let meta: Meta;
  try {
    meta = await readMeta(probe, job);
  } finally {
    probe.disconnect();
  }
  const { openSession } = await import('../../batch/jobs.js');
  return { session: await openSession(url, meta.queue), meta };
}

/** Waits with a progress bar, writes the output, and says how fast it went. */
async function collect(session: Session, meta: Meta, out: string, started: number, json?: boolean): Promise<void> {
  const { waitForBatch, writeOutput } = await import('../../batch/jobs.js');
  const { progressBar } = await import('../../util/progress.js');
  const bar = await progressBar('rerank', { unit: 'queries' });
  bar.update(0, meta.lines);
  try {
    await waitForBatch(session, meta, { onProgress: bar.update });
  } finally {
    bar.stop();
  }
  const lines = await writeOutput(session, meta, out);
  if (lines !== meta.lines) throw new CliError(`batch ${meta.id}: ${lines} output lines for ${meta.lines} inputs`, 'RERANK_INTERNAL');
  const seconds = (Date.now() - started) / 1000;
  const summary = { job: meta.id, queries: meta.lines, pairs: meta.pairs, seconds, pairsPerSecond: meta.pairs / seconds, out };
  process.stderr.write(`rerankit: batch ${meta.id}: ${meta.lines} queries, ${meta.pairs} pairs in ${seconds.toFixed(1)}s (${summary.pairsPerSecond.toFixed(1)} pairs/s) → ${out}\n`);
  if (json) printJson(summary);
}
