import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { isRerankError, messageOf } from '../errors.js';
import type { Reranker } from '../types.js';
import { connectRedis, queueName, resultsKey, TTL_SECONDS, type ChunkData, type OutputLine } from './store.js';

export interface WorkerOptions {
  redis: string;
  /** The model this worker's reranker runs: picks the queue (queueName) and is checked against each chunk's. */
  model: string;
  kind?: string;
  queue?: string;
  /**
   * BullMQ's lock on a chunk being scored (renewed at half of it while the worker lives) and how often
   * workers look for chunks whose lock ran out (a killed worker's) to queue them again. Defaults
   * 30 s / 30 s; tests use about a second.
   */
  lockMs?: number;
  stalledMs?: number;
  /** Times a chunk may stall before it fails for good (default 3). */
  maxStalled?: number;
  log?: (line: string) => void;
}

export interface BatchWorker {
  queue: string;
  /** Chunks scored so far by this worker. */
  readonly chunks: number;
  /** Finishes the chunk in hand, then stops taking chunks. */
  close(): Promise<void>;
}

/** Scores one chunk with the reranker's own rerank() per list: the same batched engine as `rerankit rerank` and eval. */
export async function scoreChunk(reranker: Reranker, data: ChunkData): Promise<OutputLine[]> {
  const out: OutputLine[] = [];
  for (const l of data.lists) {
    const ranked = l.candidates.length ? await reranker.rerank(l.query, l.candidates.map((c) => c.text)) : [];
    out.push({ qid: l.qid, results: ranked.map((r) => ({ docid: l.candidates[r.index]!.docid, score: r.score })) });
  }
  return out;
}

/**
 * Takes chunks from the model's queue until closed. Results go to the job's results hash under the
 * chunk's index, so a chunk scored twice is stored once. A user mistake in a chunk (a RerankError:
 * the same input fails the same way on every worker) fails it at once; anything else is retried.
 */
export async function startWorker(reranker: Reranker, o: WorkerOptions): Promise<BatchWorker> {
  const redis = await connectRedis(o.redis, { forBullmq: true });
  const { Worker, UnrecoverableError } = await import('bullmq');
  const queue = o.queue ?? queueName(o.model, o.kind);
  const log = o.log ?? (() => {});
  let chunks = 0;
  const handle = async (job: Job<ChunkData>) => {
    const data = job.data;
    if (queueName(data.model) !== queueName(o.model)) {
      throw new UnrecoverableError(`chunk ${data.index} of batch ${data.batch} wants model ${data.model}; this worker runs ${o.model}`);
    }
    let lines: OutputLine[];
    try {
      lines = await scoreChunk(reranker, data);
    } catch (e) {
      if (isRerankError(e)) throw new UnrecoverableError(`[${e.code}] ${e.message}`);
      throw e;
    }
    await store(redis, data, lines);
    chunks++;
    return { lines: lines.length };
  };
  const worker: Worker = new Worker(queue, handle, {
    connection: redis, concurrency: 1, lockDuration: o.lockMs ?? 30_000, stalledInterval: o.stalledMs ?? 30_000, maxStalledCount: o.maxStalled ?? 3,
  });
  worker.on('error', (e) => log(`worker error: ${messageOf(e)}`));
  worker.on('failed', (job, e) => log(`chunk ${job?.data.index ?? '?'} of batch ${job?.data.batch ?? '?'} failed: ${messageOf(e)}`));
  await worker.waitUntilReady();
  return {
    queue,
    get chunks() { return chunks; },
    async close() {
      await worker.close();
      redis.disconnect();
    },
  };
}

async function store(redis: Redis, data: ChunkData, lines: OutputLine[]): Promise<void> {
  const key = resultsKey(data.batch);
  await redis.multi().hset(key, String(data.index), JSON.stringify(lines)).expire(key, TTL_SECONDS).exec();
}
