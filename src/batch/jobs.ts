import { randomBytes } from 'node:crypto';
import { rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { RerankError } from '../errors.js';
import { readText } from '../eval/beir.js';
import { parseCandidates } from '../eval/candidates.js';
import { fsErrorText } from '../util/fs-errors.js';
import type { Progress } from '../util/progress.js';
import {
  chunkJobId, chunkSize, connectRedis, doneChunks, queueName, readMeta, resultsKey, TTL_SECONDS, writeMeta,
  type BatchMeta, type ChunkData, type OutputLine,
} from './store.js';

export interface SubmitOptions {
  redis: string;
  candidates: string;
  model: string;
  out: string;
  /** Input lines per job (default 32). */
  chunk?: number;
  /** Default: the model's queue (queueName). */
  queue?: string;
  /** Tries per chunk when scoring throws (default 3); a stalled chunk is retried by BullMQ's stall detection. */
  attempts?: number;
}

/** A connection and the job's queue, closed together. */
export interface Session {
  redis: Redis;
  queue: Queue;
  close(): Promise<void>;
}

export async function openSession(url: string, name: string): Promise<Session> {
  const redis = await connectRedis(url);
  const { Queue } = await import('bullmq');
  const queue = new Queue(name, { connection: redis });
  queue.on('error', () => {}); // a lost connection shows up as a failed command where it matters
  return { redis, queue, close: async () => { await queue.close(); redis.disconnect(); } };
}

/**
 * Reads and checks the whole candidates file, then queues it in chunks. Every bad line is reported
 * (with its number) before anything is queued, and an unreachable Redis before the file is split.
 */
export async function submitBatch(o: SubmitOptions): Promise<{ meta: BatchMeta; session: Session }> {
  const lists = parseCandidates(await readText(o.candidates));
  if (lists.length === 0) throw new RerankError('RERANK_BAD_INPUT', `${o.candidates} holds no candidate lists`);
  await checkOut(o.out);
  const chunk = o.chunk ?? 32;
  const id = `b${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const meta: BatchMeta = {
    id, queue: o.queue ?? queueName(o.model), model: o.model, input: o.candidates, out: o.out, lines: lists.length,
    pairs: lists.reduce((n, l) => n + l.candidates.length, 0), chunk, chunks: Math.ceil(lists.length / chunk), createdAt: Date.now(),
  };
  const session = await openSession(o.redis, meta.queue);
  try {
    await writeMeta(session.redis, meta);
    const jobs = Array.from({ length: meta.chunks }, (_, i) => {
      const data: ChunkData = {
        batch: id, index: i, model: o.model,
        lists: lists.slice(i * chunk, (i + 1) * chunk).map((l) => ({ qid: l.qid, query: l.query, candidates: l.candidates.map(({ docid, text }) => ({ docid, text })) })),
      };
      return {
        name: 'chunk', data,
        opts: { jobId: chunkJobId(id, i), attempts: o.attempts ?? 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: true, removeOnFail: { age: TTL_SECONDS } },
      };
    });
    for (let i = 0; i < jobs.length; i += 500) await session.queue.addBulk(jobs.slice(i, i + 500));
  } catch (e) {
    await session.close();
    throw e;
  }
  return { meta, session };
}

/** The output file's folder must exist: checked before the work is queued, not after it is done. */
async function checkOut(out: string): Promise<void> {
  const st = await stat(out).catch(() => undefined);
  if (st?.isDirectory()) throw new RerankError('RERANK_USAGE', `--out ${out} is a folder; give a file name`);
  const dir = await stat(dirname(out)).catch(() => undefined);
  if (!dir?.isDirectory()) throw new RerankError('RERANK_FILE', `--out ${out}: the folder ${dirname(out)} does not exist`);
}

export interface BatchStatus {
  job: string;
  state: 'running' | 'done' | 'failed';
  queue: string;
  model: string;
  queries: { done: number; total: number };
  chunks: { done: number; total: number; failed: number };
  pairs: number;
  /** Workers connected to the job's queue now. */
  workers: number;
  elapsedSeconds: number;
  out: string;
  /** Why chunks failed, when some did. */
  failures?: string[];
}

export async function batchStatus(s: Session, meta: BatchMeta): Promise<BatchStatus> {
  const done = await doneChunks(s.redis, meta.id);
  const failures = await failedChunks(s.queue, meta, done);
  const queries = [...done].reduce((n, i) => n + chunkSize(meta, i), 0);
  return {
    job: meta.id, state: done.size === meta.chunks ? 'done' : failures.length ? 'failed' : 'running', queue: meta.queue, model: meta.model,
    queries: { done: queries, total: meta.lines }, chunks: { done: done.size, total: meta.chunks, failed: failures.length }, pairs: meta.pairs,
    workers: await s.queue.getWorkersCount(), elapsedSeconds: (Date.now() - meta.createdAt) / 1000, out: meta.out, ...(failures.length ? { failures } : {}),
  };
}

/** Chunks BullMQ gave up on (scoring threw on every try, or a chunk stalled more often than allowed). */
async function failedChunks(queue: Queue, meta: BatchMeta, done: Set<number>): Promise<string[]> {
  const pending = Array.from({ length: meta.chunks }, (_, i) => i).filter((i) => !done.has(i));
  const out: string[] = [];
  for (let at = 0; at < pending.length; at += 200) {
    const part = pending.slice(at, at + 200);
    const states = await Promise.all(part.map((i) => queue.getJobState(chunkJobId(meta.id, i))));
    for (const [k, state] of states.entries()) {
      if (state !== 'failed') continue;
      const job = await queue.getJob(chunkJobId(meta.id, part[k]!));
      out.push(`chunk ${part[k]}: ${job?.failedReason ?? 'failed'}`);
    }
  }
  return out;
}

export interface WaitOptions {
  onProgress?: Progress;
  pollMs?: number;
  /** How long Redis may stay unreachable while waiting before giving up (default 60 s); the workers go on. */
  outageMs?: number;
}

/**
 * Waits until every chunk of the job has results, reporting queries done; a chunk that failed for
 * good ends the wait with its reason. Failures are looked up every few polls (they cost a call per
 * pending chunk), results every poll.
 */
export async function waitForBatch(s: Session, meta: BatchMeta, o: WaitOptions = {}): Promise<void> {
  const pollMs = o.pollMs ?? 250;
  let lostSince: number | undefined;
  for (let round = 0; ; round++) {
    try {
      const done = await doneChunks(s.redis, meta.id);
      lostSince = undefined;
      o.onProgress?.([...done].reduce((n, i) => n + chunkSize(meta, i), 0), meta.lines);
      if (done.size === meta.chunks) return;
      if (round % 8 === 7) {
        await readMeta(s.redis, meta.id); // still there (not expired or flushed)
        const failures = await failedChunks(s.queue, meta, done);
        if (failures.length) throw new RerankError('RERANK_UPSTREAM', `batch ${meta.id}: ${failures.length} chunk(s) failed for good; ${failures[0]}`);
      }
    } catch (e) {
      if (e instanceof RerankError) throw e;
      lostSince ??= Date.now();
      if (Date.now() - lostSince > (o.outageMs ?? 60_000)) {
        throw new RerankError('RERANK_UNAVAILABLE', `lost Redis while waiting for batch ${meta.id}; the workers go on: collect later with rerankit batch collect ${meta.id}`);
      }
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Writes every input line's output in input order, atomically (a temporary file renamed into place). */
export async function writeOutput(s: Session, meta: BatchMeta, out: string): Promise<number> {
  const lines: string[] = [];
  for (let i = 0; i < meta.chunks; i++) {
    const json = await s.redis.hget(resultsKey(meta.id), String(i));
    const part = json ? (JSON.parse(json) as OutputLine[]) : undefined;
    if (!part || part.length !== chunkSize(meta, i)) throw new RerankError('RERANK_INTERNAL', `batch ${meta.id}: chunk ${i} has no complete results`);
    for (const line of part) lines.push(JSON.stringify(line));
  }
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, lines.length ? `${lines.join('\n')}\n` : '');
    await rename(tmp, out);
  } catch (e) {
    throw new RerankError('RERANK_FILE', `cannot write ${out}: ${fsErrorText(e)}`);
  }
  return lines.length;
}
