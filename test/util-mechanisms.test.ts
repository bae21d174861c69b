// The small shared mechanisms of src/util/, each checked against hand-computed values.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { Limiter } from '../src/util/limit.js';
import { progressBar } from '../src/util/progress.js';
import { seededRandom } from '../src/util/random.js';
import { ScoreCache } from '../src/util/score-cache.js';
import { bestFirst, minMax, RRF_K, rrfScores, sigmoid } from '../src/util/scores.js';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

describe('scores', () => {
  test('minMax maps to [0, 1]; a constant list to all ones; an empty one to []', () => {
    assert.deepEqual(minMax([2, 4, 6, 3]), [0, 0.5, 1, 0.25]);
    assert.deepEqual(minMax([-1, 1]), [0, 1]);
    assert.deepEqual(minMax([3, 3, 3]), [1, 1, 1]);
    assert.deepEqual(minMax([7]), [1]);
    assert.deepEqual(minMax([]), []);
  });

  test('minMax handles lists too long for Math.min(...xs)', () => {
    const xs = Array.from({ length: 300_000 }, (_, i) => i);
    const out = minMax(xs);
    assert.equal(out[0], 0);
    assert.equal(out.at(-1), 1);
    close(out[150_000]!, 150_000 / 299_999);
  });

  test('RRF with k = 60 on a tiny example', () => {
    assert.equal(RRF_K, 60);
    const fused = rrfScores([['a', 'b', 'c'], ['b', 'c', 'd']]);
    assert.deepEqual([...fused.keys()], ['a', 'b', 'c', 'd'], 'first-seen order');
    close(fused.get('a')!, 1 / 61);
    close(fused.get('b')!, 1 / 62 + 1 / 61);
    close(fused.get('c')!, 1 / 63 + 1 / 62);
    close(fused.get('d')!, 1 / 63);
    assert.deepEqual([...fused].sort((x, y) => y[1] - x[1]).map(([k]) => k), ['b', 'c', 'a', 'd']);
  });

  test('RRF weights, another k, and a bad k', () => {
    const fused = rrfScores([[10, 20], [20]], { k: 0, weights: [2, 1] });
    close(fused.get(10)!, 2 / 1);
    close(fused.get(20)!, 2 / 2 + 1 / 1);
    assert.throws(() => rrfScores([['a']], { k: -1 }), { code: 'RERANK_BAD_OPTION', message: /RRF k must be >= 0/ });
    assert.throws(() => rrfScores([['a']], { k: Number.NaN }), { code: 'RERANK_BAD_OPTION' });
  });

  test('bestFirst: higher score first, ties by lower index', () => {
    const items = [{ index: 0, score: 0.5 }, { index: 1, score: 0.9 }, { index: 2, score: 0.5 }, { index: 3, score: -1 }];
    assert.deepEqual([...items].reverse().sort(bestFirst).map((r) => r.index), [1, 0, 2, 3]);
  });

  test('sigmoid', () => {
    assert.equal(sigmoid(0), 0.5);
    close(sigmoid(2), 1 / (1 + Math.exp(-2)));
    close(sigmoid(-2), 0.11920292202211755);
    assert.equal(sigmoid(-1000), 0, 'no NaN for large negatives');
    assert.equal(sigmoid(1000), 1);
  });
});

describe('seededRandom', () => {
  test('is mulberry32: the values of an independent implementation', () => {
    const r = seededRandom(1);
    assert.deepEqual([r(), r(), r()], [0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    const s = seededRandom(42);
    assert.deepEqual([s(), s(), s()], [0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  });

  test('takes seeds as unsigned 32-bit integers', () => {
    const [a, b] = [seededRandom(1), seededRandom(2 ** 32 + 1)];
    for (let i = 0; i < 5; i++) assert.equal(a(), b());
  });
});

describe('ScoreCache', () => {
  test('keys are digests of the length-prefixed tuple, so no two tuples share one and size does not grow with text', () => {
    // sha256("1:m1:qd") in base64, as `printf '1:m1:qd' | openssl dgst -sha256 -binary | base64` prints it.
    assert.equal(ScoreCache.key('m', 'q', 'd'), 'JMuEkfOevKWOswgWwgFAewUSrGtRCi0DFnYK8DC4ERY=');
    assert.equal(ScoreCache.key('m', 'q', 'd'.repeat(100_000)).length, 44);
    assert.notEqual(ScoreCache.key('ab', 'c', 'd'), ScoreCache.key('a', 'bc', 'd'));
    assert.notEqual(ScoreCache.key('a', 'b', 'cd'), ScoreCache.key('a', 'bc', 'd'));
    assert.notEqual(ScoreCache.key('1:a', '', ''), ScoreCache.key('', '1:a', ''));
  });

  test('evicts the least recently used; get refreshes', () => {
    const c = new ScoreCache(2);
    c.set('a', { score: 0.1 });
    c.set('b', { score: 0.2 });
    assert.deepEqual(c.get('a'), { score: 0.1 });
    c.set('c', { score: 0.3 });
    assert.equal(c.get('b'), undefined);
    assert.deepEqual([c.get('a')?.score, c.get('c')?.score, c.size], [0.1, 0.3, 2]);
    c.clear();
    assert.equal(c.size, 0);
  });

  test('keeps extra fields per pair, and size 0 disables it', () => {
    const c = new ScoreCache<{ score: number; tokens: number }>(1);
    c.set('k', { score: 1, tokens: 7 });
    assert.equal(c.get('k')?.tokens, 7);
    const off = new ScoreCache(0);
    off.set('k', { score: 1 });
    assert.deepEqual([off.enabled, off.get('k'), off.size, c.enabled], [false, undefined, 0, true]);
    assert.throws(() => new ScoreCache(-1), { code: 'RERANK_BAD_OPTION' });
    assert.throws(() => new ScoreCache(1.5), { code: 'RERANK_BAD_OPTION' });
  });

  test('is bounded in bytes: entries beyond maxBytes evict the oldest', () => {
    const c = new ScoreCache(1000, 2000);
    for (let i = 0; i < 100; i++) c.set(ScoreCache.key('m', 'q', `doc ${i}`), { score: i / 100, logits: [i] });
    assert.ok(c.bytes <= 2000 && c.bytes > 1000, String(c.bytes));
    assert.ok(c.size < 20, String(c.size));
    assert.equal(c.get(ScoreCache.key('m', 'q', 'doc 99'))?.score, 0.99);
    assert.equal(c.get(ScoreCache.key('m', 'q', 'doc 0')), undefined);
  });
});

describe('Limiter', () => {
  test('runs at most max tasks at once, starts them in order, returns results in input order', async () => {
    const limiter = new Limiter(2);
    let active = 0;
    let peak = 0;
    const started: number[] = [];
    const out = await limiter.map([30, 10, 20, 5, 1], async (ms, i) => {
      started.push(i);
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, ms));
      active--;
      return i * 10;
    });
    assert.deepEqual(out, [0, 10, 20, 30, 40]);
    assert.equal(peak, 2);
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    assert.throws(() => new Limiter(0), RangeError);
  });
});

describe('progressBar', () => {
  const sink = (isTTY: boolean) => {
    const chunks: string[] = [];
    const stream = Object.assign(new Writable({ write: (c, _e, done) => (chunks.push(String(c)), done()) }), { isTTY, columns: 120 });
    return { stream, text: () => chunks.join('') };
  };

  test('draws nothing when the stream is not a terminal (unless asked)', async () => {
    const s = sink(false);
    const bar = await progressBar('index', { stream: s.stream });
    bar.update(1, 10);
    bar.stop();
    assert.equal(s.text(), '');
    const off = sink(true);
    const hidden = await progressBar('index', { stream: off.stream, show: false });
    hidden.update(1, 10);
    hidden.stop();
    assert.equal(off.text(), '');
  });

  test('on a terminal: starts at the first update, shows label, counts and unit, follows a new total', async () => {
    const s = sink(true);
    const bar = await progressBar('queries', { stream: s.stream, unit: 'queries' });
    bar.stop(); // before any update: nothing to stop
    assert.equal(s.text(), '');
    try {
      bar.update(3, 10);
      assert.match(s.text(), /queries\s+\[.*\] 30% 3\/10 queries/);
      bar.update(5, 20);
    } finally {
      bar.stop(); // a failed check must not leave the bar's timer holding the test process open
    }
    assert.match(s.text(), /25% 5\/20 queries/);
    const bytes = sink(true);
    const download = await progressBar('model.onnx', { stream: bytes.stream, unit: 'bytes' });
    try {
      download.update(3 * 2 ** 20, 12 * 2 ** 20);
    } finally {
      download.stop();
    }
    assert.match(bytes.text(), /model\.onnx\s*\[.*\] 25% 3\.0\/12\.0 MiB/, 'bytes are shown in MiB');
  });
});
