import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MicroBatcher, type BatchReport } from '../src/server/batcher.js';
import type { BatchSettings } from '../src/server/settings.js';
import { RerankError } from '../src/errors.js';
import type { ScoredPair } from '../src/types.js';

/**
 * A real pair scorer: word overlap between query and document, logit = overlap count. It records each
 * call's pairs, and can be held (to pile up requests) or told to fail on a document.
 */
class OverlapScorer {
  calls: [string, string][][] = [];
  private gate?: Promise<void>;
  private open?: () => void;
  failOn?: string;

  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  async score(pairs: [string, string][]): Promise<ScoredPair[]> {
    this.calls.push(pairs);
    await this.gate;
    if (pairs.some(([, d]) => d === this.failOn)) throw new RerankError('RERANK_BAD_DOCUMENT', `cannot score "${this.failOn}"`);
    return pairs.map(([q, d]) => {
      const words = new Set(q.split(' '));
      const logit = d.split(' ').filter((w) => words.has(w)).length;
      return { score: 1 / (1 + Math.exp(-logit)), logits: [logit] };
    });
  }
}

const settings = (o: Partial<BatchSettings> = {}): BatchSettings => ({ maxBatchTokens: 10_000, maxBatchPairs: 1000, maxWaitMs: 20, maxQueue: 100, ...o });
const pairsOf = (q: string, docs: string[]): [string, string][] => docs.map((d) => [q, d]);
const expected = (pairs: [string, string][]) => pairs.map(([q, d]) => d.split(' ').filter((w) => q.split(' ').includes(w)).length);

describe('MicroBatcher', () => {
  it('merges concurrent requests into one call and routes every score back to its own request', async () => {
    const scorer = new OverlapScorer();
    const reports: BatchReport[] = [];
    const b = new MicroBatcher(scorer, settings(), (r) => reports.push(r));
    const a = pairsOf('red apple', ['red car', 'green apple red', 'blue sky']);
    const c = pairsOf('blue sky', ['blue sky today', 'apple', 'sky']);
    // As the server does: both requests announce themselves while they are being tokenized.
    const [doneA, doneC] = [b.announce(), b.announce()];
    const pa = b.submit(a, [3, 4, 3]);
    doneA();
    assert.equal(scorer.calls.length, 0); // waits for the announced second request
    const pc = b.submit(c, [4, 2, 2]);
    doneC();
    const [ra, rc] = await Promise.all([pa, pc]);
    assert.equal(scorer.calls.length, 1);
    assert.equal(scorer.calls[0]!.length, 6);
    assert.deepEqual(ra.scores.map((s) => s.logits![0]), expected(a));
    assert.deepEqual(rc.scores.map((s) => s.logits![0]), expected(c));
    assert.deepEqual(reports, [{ pairs: 6, paddedTokens: 24, tokens: 18, requests: 2, ms: reports[0]!.ms }]);
    assert.equal(b.depth, 0);
  });

  it('starts at once when no other request is announced, and waits at most maxWaitMs for one that is', async () => {
    const scorer = new OverlapScorer();
    const b = new MicroBatcher(scorer, settings({ maxWaitMs: 30 }));
    const alone = b.submit(pairsOf('a', ['a']), [1]);
    assert.equal(scorer.calls.length, 1); // no waiting when nobody is coming
    await alone;
    b.announce(); // a request that never submits (e.g. it failed validation after announcing)
    const r = await b.submit(pairsOf('b', ['b b']), [2]);
    assert.deepEqual(r.scores[0]!.logits, [2]);
    assert.equal(scorer.calls.length, 2);
  });

  it('cuts batches by padded token cost and takes pairs in arrival order, so requests finish one after another', async () => {
    const scorer = new OverlapScorer();
    const b = new MicroBatcher(scorer, settings({ maxBatchTokens: 40 }));
    const big = pairsOf('q', Array.from({ length: 12 }, (_, i) => `doc ${i} q`));
    const small = pairsOf('q', ['q q', 'x']);
    const order: string[] = [];
    const pBig = b.submit(big, big.map(() => 10)).then((r) => (order.push('big'), r));
    const pSmall = b.submit(small, [10, 10]).then((r) => (order.push('small'), r));
    const [rBig, rSmall] = await Promise.all([pBig, pSmall]);
    assert.deepEqual(scorer.calls.map((c) => c.length), [4, 4, 4, 2]); // 4 pairs × 10 tokens = budget
    // Round-robin would interleave the two and make both finish last; arrival order finishes the first first.
    assert.deepEqual(scorer.calls[1]!.map(([, d]) => d), ['doc 4 q', 'doc 5 q', 'doc 6 q', 'doc 7 q']);
    assert.deepEqual(scorer.calls[3]!.map(([, d]) => d), ['q q', 'x']);
    assert.deepEqual(order, ['big', 'small']);
    assert.deepEqual(rBig.scores.map((s) => s.logits![0]), expected(big));
    assert.deepEqual(rSmall.scores.map((s) => s.logits![0]), [2, 0]);
  });

  it('a request whose client is gone is dropped at once: its pairs are never scored and its slot frees', async () => {
    const scorer = new OverlapScorer();
    scorer.hold();
    const b = new MicroBatcher(scorer, settings({ maxQueue: 2, maxBatchPairs: 1, maxWaitMs: 0 }));
    const first = b.submit(pairsOf('a', ['a']), [1]);
    const abort = new AbortController();
    const gone = b.submit(pairsOf('b', ['b', 'b b', 'b b b']), [1, 1, 1], { signal: abort.signal });
    assert.equal(b.depth, 2);
    abort.abort();
    await assert.rejects(gone, { code: 'RERANK_CANCELLED' });
    assert.equal(b.depth, 1, 'the slot is free before the running batch ends');
    const third = b.submit(pairsOf('c', ['c']), [1]);
    scorer.release();
    await Promise.all([first, third]);
    assert.deepEqual(scorer.calls.map((c) => c[0]![0]), ['a', 'c'], 'no pair of the cancelled request reached the model');
  });

  it('honours deadlines: work that has waited past its deadline is dropped, work that cannot finish is refused', async () => {
    const scorer = new OverlapScorer();
    scorer.hold();
    const b = new MicroBatcher(scorer, settings({ maxBatchPairs: 1, maxWaitMs: 0 }));
    const first = b.submit(pairsOf('a', ['a']), [1]);
    const late = b.submit(pairsOf('b', ['b']), [1], { deadline: performance.now() + 20 });
    await new Promise((r) => setTimeout(r, 40));
    scorer.release();
    await first;
    await assert.rejects(late, { code: 'RERANK_DEADLINE' });
    assert.deepEqual(scorer.calls.map((c) => c[0]![0]), ['a']);
    // Measured speed now exists; a deadline shorter than the work itself is refused before queueing.
    const slow = new OverlapScorer();
    const timed = new MicroBatcher({ score: async (p) => (await new Promise((r) => setTimeout(r, 30)), slow.score(p)) }, settings({ maxWaitMs: 0 }));
    await timed.submit(pairsOf('a', ['a']), [10]);
    assert.throws(() => timed.submit(pairsOf('a', ['a', 'a']), [1000, 1000], { deadline: performance.now() + 50 }), { code: 'RERANK_DEADLINE' });
  });

  it('maxQueueMs: refuses at admission when the measured wait ahead passes it', async () => {
    let open = () => {};
    let gate: Promise<void> | undefined;
    const scorer = { score: async (p: [string, string][]) => (await new Promise((r) => setTimeout(r, 20)), await gate, p.map(() => ({ score: 0.5 }))) };
    const b = new MicroBatcher(scorer, settings({ maxQueueMs: 100, maxBatchPairs: 1, maxWaitMs: 0 }));
    await b.submit(pairsOf('a', ['a']), [10]); // ~2 ms per token measured
    gate = new Promise((r) => (open = r));
    const queued = [b.submit(pairsOf('x', ['x']), [10]), b.submit(pairsOf('y', ['y']), [100])]; // ~200 ms of work ahead
    assert.throws(() => b.checkRoom(), (e: unknown) => e instanceof RerankError && e.code === 'RERANK_OVERLOADED' && /maxQueueMs 100/.test(e.message));
    open();
    await Promise.all(queued);
    assert.doesNotThrow(() => b.checkRoom());
  });

  it('requests with different truncation options never share a model call', async () => {
    const calls: unknown[] = [];
    const scorer = { score: async (p: [string, string][], o?: unknown) => (calls.push(o), p.map(() => ({ score: 0.5 }))) };
    const b = new MicroBatcher(scorer, settings());
    const done = b.announce();
    const x = b.submit(pairsOf('a', ['a']), [1], { options: { maxTokensPerDoc: 4 } });
    const y = b.submit(pairsOf('a', ['b']), [1]);
    const z = b.submit(pairsOf('a', ['c']), [1], { options: { maxTokensPerDoc: 4 } });
    done();
    await Promise.all([x, y, z]);
    assert.deepEqual(calls, [{ maxTokensPerDoc: 4 }, {}]);
  });

  it('runs one pair larger than the budget on its own rather than refusing it', async () => {
    const scorer = new OverlapScorer();
    const b = new MicroBatcher(scorer, settings({ maxBatchTokens: 5 }));
    const r = await b.submit(pairsOf('a b', ['a b c', 'b']), [50, 2]);
    assert.deepEqual(scorer.calls.map((c) => c.length), [1, 1]);
    assert.deepEqual(r.scores.map((s) => s.logits![0]), [2, 1]);
  });

  it('refuses new requests with RERANK_OVERLOADED when the queue is full, and accepts them again after', async () => {
    const scorer = new OverlapScorer();
    scorer.hold();
    const b = new MicroBatcher(scorer, settings({ maxQueue: 2, maxWaitMs: 0 }));
    const first = b.submit(pairsOf('a', ['a']), [1]);
    const second = b.submit(pairsOf('b', ['b']), [1]);
    assert.equal(b.depth, 2);
    assert.throws(() => b.submit(pairsOf('c', ['c']), [1]), (e: unknown) => e instanceof RerankError && e.code === 'RERANK_OVERLOADED' && e.status === 429);
    scorer.release();
    await Promise.all([first, second]);
    const again = await b.submit(pairsOf('c', ['c']), [1]);
    assert.deepEqual(again.scores[0]!.logits, [1]);
  });

  it('fails only the requests whose batch failed and keeps serving', async () => {
    const scorer = new OverlapScorer();
    scorer.failOn = 'poison';
    const b = new MicroBatcher(scorer, settings({ maxBatchPairs: 1 }));
    const bad = b.submit(pairsOf('x', ['poison', 'x']), [1, 1]);
    const good = b.submit(pairsOf('y', ['y y']), [1]);
    await assert.rejects(bad, /cannot score "poison"/);
    assert.deepEqual((await good).scores[0]!.logits, [2]);
    assert.deepEqual(scorer.calls.map((c) => c[0]![1]), ['poison', 'y y']); // the failed request's other pair is dropped
    assert.equal(b.depth, 0);
  });

  it('reports queue and inference time, and drain() waits for queued work', async () => {
    const scorer = new OverlapScorer();
    scorer.hold();
    const b = new MicroBatcher(scorer, settings({ maxWaitMs: 0 }));
    const job = b.submit(pairsOf('a', ['a']), [1]);
    let drained = false;
    const draining = b.drain().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(drained, false);
    scorer.release();
    const r = await job;
    await draining;
    assert.ok(r.queueMs >= 0 && r.inferenceMs > 0);
    assert.equal(b.depth, 0);
  });
});
