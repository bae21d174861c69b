import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePermutation } from '../src/backends/llm/permutation.js';
import { heapTopK } from '../src/backends/llm/topk.js';
import { slidingWindow, windows } from '../src/backends/llm/window.js';
import { parsePreference } from '../src/backends/llm/pairwise.js';
import { parseGrade, yesNoScore } from '../src/backends/llm/pointwise.js';

function seeded(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1664525 + 1013904223) % 4294967296), x / 4294967296);
}

describe('parsePermutation repairs LLM answers', () => {
  it('reads a clean answer', () => assert.deepEqual(parsePermutation('[2] > [3] > [1]', 3), [1, 2, 0]));
  it('drops duplicates, keeping the first mention', () => assert.deepEqual(parsePermutation('[2] > [2] > [1] > [3] > [1]', 3), [1, 0, 2]));
  it('appends missing ids in their previous order', () => assert.deepEqual(parsePermutation('[4] > [2]', 5), [3, 1, 0, 2, 4]));
  it('ignores out-of-range ids', () => assert.deepEqual(parsePermutation('[0] > [9] > [3] > [1]', 3), [2, 0, 1]));
  it('tolerates prose around the answer (numbers in prose are not ids)', () =>
    assert.deepEqual(parsePermutation('Here are the 3 passages ranked:\n[3] > [1] > [2]\nDone in 2 steps.', 3), [2, 0, 1]));
  it('reads bare numbers when there are no brackets', () => assert.deepEqual(parsePermutation('3 > 1 > 2', 3), [2, 0, 1]));
  it('keeps the previous order for garbage', () => assert.deepEqual(parsePermutation('no idea', 4), [0, 1, 2, 3]));
});

describe('windows cover the list bottom-up', () => {
  it('n=1 needs no window; n <= window is one window', () => {
    assert.deepEqual(windows(1, 20, 10), []);
    assert.deepEqual(windows(19, 20, 10), [[0, 19]]);
    assert.deepEqual(windows(20, 20, 10), [[0, 20]]);
  });
  it('n=21 reaches position 0 (RankGPT reference loop would stop at [1, 21))', () => assert.deepEqual(windows(21, 20, 10), [[1, 21], [0, 11]]));
  it('n=100 moves by the stride', () => assert.deepEqual(windows(100, 20, 10).map(([s]) => s), [80, 70, 60, 50, 40, 30, 20, 10, 0]));
});

describe('sliding window against brute force, with a perfect window ranker', () => {
  // Claim checked: after P passes the first min(n, P·(window - stride)) positions equal the brute-force
  // ordering exactly; the output is always a permutation of the input.
  const combos: [number, number][] = [[20, 10], [20, 5], [20, 15], [4, 2], [5, 2], [7, 3], [3, 1]];
  for (const [w, s] of combos) {
    it(`window ${w}, stride ${s}`, async () => {
      for (const n of [1, 2, 5, 19, 20, 21, 47, 100, 101]) {
        for (let seed = 1; seed <= 5; seed++) {
          const r = seeded(seed * 97 + n);
          const rel = Array.from({ length: n }, () => r());
          const truth = rel.map((_, i) => i).sort((a, b) => rel[b] - rel[a]);
          let order = rel.map((_, i) => i);
          for (let p = 1; p <= Math.ceil(n / (w - s)); p++) {
            order = await slidingWindow(order, { window: w, stride: s }, async (items) => [...items].sort((a, b) => rel[b] - rel[a]));
            const k = Math.min(n, p * (w - s));
            assert.deepEqual(order.slice(0, k), truth.slice(0, k), `n=${n} seed=${seed} pass=${p}`);
            assert.deepEqual([...order].sort((a, b) => a - b), truth.map((_, i) => i));
          }
          assert.deepEqual(order, truth, `n=${n} full ordering after ceil(n/(w-s)) passes`);
        }
      }
    });
  }
  it('depth limits reranking to the head', async () => {
    const rel = [1, 2, 3, 4, 5, 6];
    const out = await slidingWindow([0, 1, 2, 3, 4, 5], { window: 2, stride: 1, depth: 3 }, async (items) => [...items].sort((a, b) => rel[b] - rel[a]));
    assert.deepEqual(out, [2, 0, 1, 3, 4, 5]); // one pass of window 2 stride 1 over the first 3 only
  });
  it('a ranker answer that is not a permutation is ignored', async () => {
    const out = await slidingWindow([0, 1, 2], { window: 3, stride: 1 }, async () => [2, 2, 0]);
    assert.deepEqual(out, [0, 1, 2]);
  });
});

describe('heapTopK', () => {
  it('selects the best k in order with fewer comparisons than a full sort', async () => {
    const r = seeded(7);
    const rel = Array.from({ length: 100 }, () => r());
    let calls = 0;
    const top = await heapTopK(100, 10, async (i, j) => (calls++, rel[i] > rel[j]));
    assert.deepEqual(top, rel.map((_, i) => i).sort((a, b) => rel[b] - rel[a]).slice(0, 10));
    assert.ok(calls < 100 * 99 / 2 / 4, `${calls} comparisons`);
  });
});

describe('answer parsers', () => {
  it('pairwise preference', () => {
    for (const [t, want] of [['Passage A', 'A'], ['passage b.', 'B'], ['**Passage B**', 'B'], ['B', 'B'], ['(A) is better', 'A'], ['Neither', undefined]] as const) {
      assert.equal(parsePreference(t), want, t);
    }
  });
  it('grades', () => {
    assert.equal(parseGrade('8'), 8);
    assert.equal(parseGrade('Relevance: 7/10'), 7);
    assert.equal(parseGrade('I would say 42, no, 3'), 3);
    assert.equal(parseGrade('highly relevant'), undefined);
  });
  it('P(yes) from top log-probabilities, variants summed', () => {
    const s = yesNoScore([{ token: 'yes', logprob: Math.log(0.6) }, { token: ' Yes', logprob: Math.log(0.1) }, { token: 'no', logprob: Math.log(0.2) }])!;
    assert.ok(Math.abs(s.score - 0.7 / 0.9) < 1e-12);
    assert.ok(Math.abs(s.raw - Math.log(0.7 / 0.2)) < 1e-12);
    assert.equal(yesNoScore([{ token: 'maybe', logprob: -0.1 }]), undefined);
  });
});
