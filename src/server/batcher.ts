import { RerankError } from '../errors.js';
import type { PairOptions, ScoredPair } from '../types.js';
import type { BatchSettings } from './settings.js';

/** What the batcher needs from a model: score pairs in input order. */
export interface BatchScorer {
  score(pairs: [string, string][], options?: PairOptions): Promise<ScoredPair[]>;
}

export interface BatchReport { pairs: number; paddedTokens: number; requests: number; ms: number }

export interface JobResult {
  scores: ScoredPair[];
  /** Milliseconds between submit and the first batch holding one of this job's pairs. */
  queueMs: number;
  /** Milliseconds spent in the `score()` calls that held this job's pairs. */
  inferenceMs: number;
}

interface Job {
  pairs: [string, string][];
  /** Per-request truncation options: only jobs with equal options share a model call. */
  options: PairOptions;
  optionsKey: string;
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

/**
 * Merges the pairs of concurrent requests into shared `score()` calls. A batch closes when its padded
 * token cost (pairs × longest pair) would pass `maxBatchTokens`, when no announced request is still on
 * its way, or `maxWaitMs` after the oldest waiting request arrived. Pairs are taken round-robin across waiting requests, so a short request is
 * never stuck behind a long one; results are routed back by (job, index), never mixed.
 * One batch runs at a time: the model already uses every core, and waiting requests join the next one.
 */
export class MicroBatcher {
  private readonly queue: Job[] = [];
  private timer?: NodeJS.Timeout;
  private running = false;
  private idle: (() => void)[] = [];
  private incoming = 0;

  constructor(
    private readonly scorer: BatchScorer,
    private readonly opts: BatchSettings,
    private readonly onBatch: (b: BatchReport) => void = () => {},
  ) {}

  /** Requests waiting or running. */
  get depth(): number {
    return this.queue.length;
  }

  /** `tokens[i]` is pair i's token count (any positive estimate works). Throws RERANK_OVERLOADED when full. */
  submit(pairs: [string, string][], tokens: number[], options: PairOptions = {}): Promise<JobResult> {
    if (pairs.length === 0) return Promise.resolve({ scores: [], queueMs: 0, inferenceMs: 0 });
    this.checkRoom();
    return new Promise<JobResult>((resolve, reject) => {
      const job: Job = { pairs, options, optionsKey: optionsKey(options), tokens, next: 0, pending: pairs.length, scores: new Array(pairs.length), submitted: performance.now(), inferenceMs: 0, resolve, reject };
      this.queue.push(job);
      this.schedule();
    });
  }

  /** Throws RERANK_OVERLOADED when full; callers check before tokenizing, so overload stays cheap. */
  checkRoom(): void {
    if (this.queue.length >= this.opts.maxQueue) {
      throw new RerankError('RERANK_OVERLOADED', `queue is full (maxQueue ${this.opts.maxQueue} requests waiting); retry later`);
    }
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
    const slots = this.take();
    if (slots.length === 0) return this.settleIdle();
    this.running = true;
    void this.run(slots).finally(() => {
      this.running = false;
      if (this.queue.some((j) => j.next < j.pairs.length)) this.fire(); // they already waited a batch
      else this.settleIdle();
    });
  }

  /**
   * Round-robin over waiting jobs, one pair each per turn, until the budget is reached. Only jobs whose
   * truncation options equal the oldest waiting job's join its batch (one `score()` call, one option set).
   */
  private take(): Slot[] {
    const slots: Slot[] = [];
    const key = this.queue.find((j) => j.next < j.pairs.length)?.optionsKey;
    let longest = 0;
    for (let progressed = true; progressed; ) {
      progressed = false;
      for (const job of this.queue) {
        if (job.next >= job.pairs.length || job.optionsKey !== key) continue;
        const len = Math.max(longest, job.tokens[job.next]!);
        const full = slots.length >= this.opts.maxBatchPairs || (slots.length + 1) * len > this.opts.maxBatchTokens;
        if (full && slots.length > 0) return slots;
        slots.push({ job, index: job.next++ });
        longest = len;
        progressed = true;
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
    const longest = Math.max(...slots.map((s) => s.job.tokens[s.index]!));
    this.onBatch({ pairs: slots.length, paddedTokens: longest * slots.length, requests: new Set(slots.map((s) => s.job)).size, ms });
  }

  private deliver(slot: Slot, score: ScoredPair): void {
    const job = slot.job;
    if (!this.queue.includes(job)) return; // failed in an earlier batch
    job.scores[slot.index] = score;
    if (--job.pending > 0) return;
    this.remove(job);
    job.resolve({ scores: job.scores, queueMs: job.started! - job.submitted, inferenceMs: job.inferenceMs });
  }

  private fail(job: Job, err: unknown): void {
    if (this.remove(job)) job.reject(err);
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

/** A stable key for a set of truncation options (absent and undefined fields are the same). */
export function optionsKey(o: PairOptions): string {
  return JSON.stringify([o.maxTokensPerDoc, o.maxChunksPerDoc, o.truncate, o.truncationDirection]);
}
