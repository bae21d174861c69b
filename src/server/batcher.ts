import { RerankError } from '../errors.js';
import { optionsKey } from '../rerank-input.js';
import type { PairOptions, ScoredPair } from '../types.js';
import type { BatchSettings } from './settings.js';

/** What the batcher needs from a model: score pairs in input order. */
export interface BatchScorer {
  score(pairs: [string, string][], options?: PairOptions): Promise<ScoredPair[]>;
}

export interface BatchReport { pairs: number; paddedTokens: number; tokens: number; requests: number; ms: number }

export interface JobResult {
  scores: ScoredPair[];
  /** Milliseconds between submit and the first batch holding one of this job's pairs. */
  queueMs: number;
  /** Milliseconds spent in the `score()` calls that held this job's pairs. */
  inferenceMs: number;
}

export interface SubmitOptions {
  /** Per-request truncation options: only jobs with equal options share a model call. */
  options?: PairOptions;
  /** Aborted when the client is gone: the job's pairs not yet started are dropped and its slot freed. */
  signal?: AbortSignal;
  /** `performance.now()` time by which the answer is useless (the client's deadline). */
  deadline?: number;
}

interface Job {
  pairs: [string, string][];
  options: PairOptions;
  optionsKey: string;
  deadline: number;
  tokens: number[];
  next: number; // first pair not yet handed to a batch
  pending: number; // pairs handed out but not scored yet, plus those not handed out
  scores: ScoredPair[];
  submitted: number;
  started?: number;
  inferenceMs: number;
  resolve(r: JobResult): void;
  reject(e: unknown): void;
}

interface Slot { job: Job; index: number }

/** Weight of the newest batch in the running estimate of milliseconds per token. */
const RATE_WEIGHT = 0.3;

/**
 * Merges the pairs of concurrent requests into shared `score()` calls. A batch closes when its padded
 * token cost (pairs × longest pair) would pass `maxBatchTokens`, when no announced request is still on
 * its way, or `maxWaitMs` after the oldest waiting request arrived. Pairs are taken in arrival order —
 * the oldest request's first, then the next one's — so under load requests finish one after another
 * instead of all together at the end (round-robin made every request wait for every other one).
 * Results are routed back by (job, index), never mixed. One batch runs at a time: the model already
 * uses every core, and waiting requests join the next one.
 *
 * The batcher measures its own speed (milliseconds per token), so it can tell at admission how long a
 * new request would wait (`maxQueueMs`) and whether it can finish before the client's deadline.
 */
export class MicroBatcher {
  private readonly queue: Job[] = [];
  private timer?: NodeJS.Timeout;
  private running = false;
  private runningTokens = 0;
  private idle: (() => void)[] = [];
  private incoming = 0;
  private msPerToken?: number;

  constructor(
    private readonly scorer: BatchScorer,
    private readonly opts: BatchSettings,
    private readonly onBatch: (b: BatchReport) => void = () => {},
  ) {}

  /** Requests waiting or running. */
  get depth(): number {
    return this.queue.length;
  }

  /** Expected milliseconds before a request arriving now starts (0 until a batch has been timed). */
  expectedWaitMs(): number {
    if (this.msPerToken === undefined) return 0;
    let tokens = this.runningTokens / 2; // the running batch is, on average, half done
    for (const job of this.queue) for (let i = job.next; i < job.pairs.length; i++) tokens += job.tokens[i]!;
    return tokens * this.msPerToken;
  }

  /** Expected milliseconds of model time for pairs of these token counts. */
  expectedServiceMs(tokens: number[]): number {
    return (this.msPerToken ?? 0) * tokens.reduce((a, b) => a + b, 0);
  }

  /**
   * Admission before any work is done (callers check before tokenizing, so shedding stays cheap):
   * RERANK_OVERLOADED when `maxQueue` requests wait or the expected wait passes `maxQueueMs`;
   * RERANK_DEADLINE when the wait alone passes the client's deadline.
   */
  checkRoom(deadline = Infinity): void {
    if (this.queue.length >= this.opts.maxQueue) {
      throw new RerankError('RERANK_OVERLOADED', `queue is full (maxQueue ${this.opts.maxQueue} requests waiting); retry later`);
    }
    const wait = this.expectedWaitMs();
    if (this.opts.maxQueueMs !== undefined && this.opts.maxQueueMs > 0 && wait > this.opts.maxQueueMs) {
      throw new RerankError('RERANK_OVERLOADED', `expected queue wait ${Math.round(wait)} ms exceeds maxQueueMs ${this.opts.maxQueueMs}; retry later`);
    }
    if (performance.now() + wait > deadline) {
      throw new RerankError('RERANK_DEADLINE', `expected queue wait ${Math.round(wait)} ms exceeds the request's deadline`);
    }
  }

  /** `tokens[i]` is pair i's token count (any positive estimate works). Throws as `checkRoom` does. */
  submit(pairs: [string, string][], tokens: number[], o: SubmitOptions = {}): Promise<JobResult> {
    if (pairs.length === 0) return Promise.resolve({ scores: [], queueMs: 0, inferenceMs: 0 });
    const deadline = o.deadline ?? Infinity;
    this.checkRoom(deadline);
    const finish = performance.now() + this.expectedWaitMs() + this.expectedServiceMs(tokens);
    if (finish > deadline) throw new RerankError('RERANK_DEADLINE', `the request cannot finish before its deadline (about ${Math.round(finish - performance.now())} ms of work ahead)`);
    if (o.signal?.aborted) return Promise.reject(cancelled());
    return new Promise<JobResult>((resolve, reject) => {
      const options = o.options ?? {};
      const job: Job = {
        pairs, options, optionsKey: optionsKey(options), deadline, tokens, next: 0, pending: pairs.length,
        scores: new Array(pairs.length), submitted: performance.now(), inferenceMs: 0, resolve, reject,
      };
      o.signal?.addEventListener('abort', () => this.fail(job, cancelled()), { once: true });
      this.queue.push(job);
      this.schedule();
    });
  }

  /** Resolves once nothing is waiting or running (for graceful shutdown). */
  drain(): Promise<void> {
    return this.queue.length === 0 ? Promise.resolve() : new Promise((r) => this.idle.push(r));
  }

  /**
   * Announces a request that will submit soon (it is being tokenized). Waiting for company only pays
   * when company is coming: with nothing announced, an idle model starts at once; requests arriving
   * while a batch runs join the next one anyway.
   */
  announce(): () => void {
    this.incoming++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.incoming--;
      if (this.incoming === 0 && this.timer) this.fire();
    };
  }

  private schedule(): void {
    if (this.running) return; // the running batch reschedules when it ends
    if (this.incoming === 0 || this.waitingCost() >= this.opts.maxBatchTokens) return void this.fire();
    this.timer ??= setTimeout(() => this.fire(), this.opts.maxWaitMs);
  }

  private waitingCost(): number {
    let n = 0, longest = 0;
    for (const job of this.queue) {
      for (let i = job.next; i < job.pairs.length; i++) longest = Math.max(longest, job.tokens[i]!), n++;
    }
    return n * longest;
  }

  private fire(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dropExpired();
    const slots = this.take();
    if (slots.length === 0) return this.settleIdle();
    this.running = true;
    this.runningTokens = slots.reduce((n, s) => n + s.job.tokens[s.index]!, 0);
    void this.run(slots).finally(() => {
      this.running = false;
      this.runningTokens = 0;
      if (this.queue.some((j) => j.next < j.pairs.length)) this.fire(); // they already waited a batch
      else this.settleIdle();
    });
  }

  /** Jobs whose deadline has passed get no more model time: their clients have stopped waiting. */
  private dropExpired(): void {
    const now = performance.now();
    for (const job of [...this.queue]) {
      if (job.deadline < now && job.next < job.pairs.length) this.fail(job, new RerankError('RERANK_DEADLINE', 'the request\'s deadline passed while it waited'));
    }
  }

  /**
   * Pairs in arrival order until the budget is reached. Only jobs whose truncation options equal the
   * oldest waiting job's join its batch (one `score()` call, one option set).
   */
  private take(): Slot[] {
    const slots: Slot[] = [];
    const key = this.queue.find((j) => j.next < j.pairs.length)?.optionsKey;
    let longest = 0;
    for (const job of this.queue) {
      if (job.optionsKey !== key) continue;
      while (job.next < job.pairs.length) {
        const len = Math.max(longest, job.tokens[job.next]!);
        const full = slots.length >= this.opts.maxBatchPairs || (slots.length + 1) * len > this.opts.maxBatchTokens;
        if (full && slots.length > 0) return slots;
        slots.push({ job, index: job.next++ });
        longest = len;
      }
    }
    return slots;
  }

  private async run(slots: Slot[]): Promise<void> {
    const start = performance.now();
    for (const s of slots) s.job.started ??= start;
    try {
      const scores = await this.scorer.score(slots.map((s) => s.job.pairs[s.index]!), slots[0]!.job.options);
      if (scores.length !== slots.length) throw new Error(`scorer returned ${scores.length} scores for ${slots.length} pairs`);
      const ms = performance.now() - start;
      this.report(slots, ms);
      for (const job of new Set(slots.map((s) => s.job))) job.inferenceMs += ms; // once per batch joined
      slots.forEach((s, i) => this.deliver(s, scores[i]!));
    } catch (err) {
      for (const job of new Set(slots.map((s) => s.job))) this.fail(job, err);
    }
  }

  private report(slots: Slot[], ms: number): void {
    const lengths = slots.map((s) => s.job.tokens[s.index]!);
    const tokens = lengths.reduce((a, b) => a + b, 0);
    const rate = ms / Math.max(1, tokens);
    this.msPerToken = this.msPerToken === undefined ? rate : this.msPerToken + RATE_WEIGHT * (rate - this.msPerToken);
    this.onBatch({ pairs: slots.length, paddedTokens: Math.max(...lengths) * slots.length, tokens, requests: new Set(slots.map((s) => s.job)).size, ms });
  }

  private deliver(slot: Slot, score: ScoredPair): void {
    const job = slot.job;
    if (!this.queue.includes(job)) return; // failed or cancelled meanwhile
    job.scores[slot.index] = score;
    if (--job.pending > 0) return;
    this.remove(job);
    job.resolve({ scores: job.scores, queueMs: job.started! - job.submitted, inferenceMs: job.inferenceMs });
  }

  /** Ends a job: its pairs not yet started are never scored, and its queue slot frees at once. */
  private fail(job: Job, err: unknown): void {
    if (!this.remove(job)) return;
    job.next = job.pairs.length;
    job.reject(err);
    if (!this.running) this.settleIdle();
  }

  private remove(job: Job): boolean {
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
    return i >= 0;
  }

  private settleIdle(): void {
    if (this.queue.length > 0) return;
    for (const r of this.idle.splice(0)) r();
  }
}

function cancelled(): RerankError {
  return new RerankError('RERANK_CANCELLED', 'the client closed the connection');
}
