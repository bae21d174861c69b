import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeRuns } from '../src/eval/analyze.js';
import { compareMany, compareRuns } from '../src/eval/compare.js';
import { formatMultiComparison } from '../src/eval/format.js';
import { bootstrapCI, bootstrapTest, holmAdjust, pairedEffectSize, pairedTTest, permutationTest, winTieLoss } from '../src/eval/stats.js';
import { seededRandom } from '../src/util/random.js';
import type { Qrels, Run } from '../src/eval/types.js';

const maps = (o: Record<string, Record<string, number>>) => new Map(Object.entries(o).map(([q, d]) => [q, new Map(Object.entries(d))]));

describe('statistics', () => {
  test('paired t-test: with 1 degree of freedom p = 1 - 2·atan(t)/π', () => {
    const { t, p } = pairedTTest([1, 3]); // mean 2, sd √2 → t = 2
    assert.ok(Math.abs(t - 2) < 1e-12);
    assert.ok(Math.abs(p - (1 - (2 * Math.atan(2)) / Math.PI)) < 1e-9, String(p));
    assert.deepEqual(pairedTTest([0, 0, 0]), { t: 0, p: 1 });
    assert.equal(pairedTTest([0.1, 0.1]).p, 0);
  });
  test('permutation test is exact for small n: 4 equal gains → 2 of 16 sign patterns', () => {
    assert.equal(permutationTest([1, 1, 1, 1]), 2 / 16);
    assert.equal(permutationTest([1, -1, 1, -1]), 1);
    const big = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? -0.1 : 0.2));
    assert.equal(permutationTest(big, 2000, 7), permutationTest(big, 2000, 7), 'seeded');
    assert.ok(permutationTest(big, 2000, 7) < 0.01);
  });
  test('bootstrap interval is seeded, brackets the mean, and collapses for constant gains', () => {
    const rand = seededRandom(1);
    const d = Array.from({ length: 50 }, () => rand() - 0.3);
    const ci = bootstrapCI(d, 5000, 3);
    assert.deepEqual(ci, bootstrapCI(d, 5000, 3));
    const mean = d.reduce((s, x) => s + x, 0) / d.length;
    assert.ok(ci.low < mean && mean < ci.high && ci.low > 0);
    assert.deepEqual(bootstrapCI([0.25, 0.25, 0.25], 100), { low: 0.25, high: 0.25 });
    assert.deepEqual(winTieLoss([0.1, 0, -0.2, 1e-12]), { wins: 1, ties: 2, losses: 1 });
  });
});

describe('compare and analyze', () => {
  const qrels: Qrels = maps({ q1: { a: 1, b: 0, c: 2 }, q2: { d: 1 }, q3: { e: 1, f: 0 } });
  const base: Run = maps({ q1: { a: 3, b: 2, c: 1 }, q2: { x: 2, d: 1 }, q3: { e: 2, f: 1 } });
  const better: Run = maps({ q1: { c: 3, a: 2, b: 1 }, q2: { d: 2, x: 1 }, q3: { f: 2, e: 1 } });

  test('a run against itself: no change, p = 1, all ties', () => {
    const c = compareRuns(qrels, base, base, { measures: ['map', 'ndcg_cut_10'] });
    assert.equal(c.queries, 3);
    for (const m of c.metrics) assert.deepEqual([m.delta, m.p_ttest, m.p_permutation, m.ties], [0, 1, 1, 3]);
  });
  test('deltas, win/tie/loss and per-query pairing', () => {
    const c = compareRuns(qrels, base, better, { measures: ['recip_rank'] });
    const m = c.metrics[0];
    assert.equal(m.measure, 'recip_rank');
    assert.deepEqual([m.a, m.b], [(1 + 0.5 + 1) / 3, (1 + 1 + 0.5) / 3]);
    assert.deepEqual([m.wins, m.ties, m.losses], [1, 1, 1]);
    assert.ok(Math.abs(m.delta) < 1e-12 && m.ci95[0] <= 0 && m.ci95[1] >= 0);
  });
  test('a query only one run answers scores 0 for the other', () => {
    const c = compareRuns(qrels, maps({ q1: { a: 1 } }), maps({ q1: { a: 1 }, q2: { d: 1 } }), { measures: ['map'] });
    assert.equal(c.queries, 2);
    // q1: a found, c (rel 2) missed → AP 0.5 in both; q2: A has nothing → 0, B ranks d first → 1
    assert.deepEqual([c.metrics[0].a, c.metrics[0].b, c.metrics[0].wins, c.metrics[0].ties], [0.25, 0.75, 1, 1]);
  });
  test('error classes: relevant demoted, irrelevant promoted from nowhere, worst first', () => {
    const q: Qrels = maps({ q1: { r1: 1, r2: 1, n1: 0 }, q2: { r3: 1 }, q3: { r4: 1 } });
    const a: Run = maps({ q1: { r1: 5, r2: 4, n1: 3, x: 2 }, q2: { r3: 2, y: 1 }, q3: { z: 2, r4: 1 } });
    const b: Run = maps({ q1: { x: 5, r1: 4, n1: 3, r2: 2 }, q2: { new: 3, r3: 2, y: 1 }, q3: { r4: 2, z: 1 } });
    const res = analyzeRuns(q, a, b, { measure: 'ndcg_cut_2', depth: 2 });
    assert.deepEqual(res.queries.map((x) => [x.qid, x.class]), [['q1', 'relevant_demoted'], ['q2', 'irrelevant_promoted'], ['q3', 'improved']]);
    assert.deepEqual(res.queries[0].relevant_demoted, [{ docid: 'r2', relevance: 1, from: 2, to: 4 }]);
    assert.deepEqual(res.queries[0].irrelevant_promoted, [{ docid: 'x', relevance: null, from: 4, to: 1 }]);
    assert.deepEqual(res.queries[1].irrelevant_promoted, [{ docid: 'new', relevance: null, from: null, to: 1 }]);
    assert.deepEqual(res.summary, { relevant_demoted: 1, irrelevant_promoted: 1, reordered: 0, unchanged: 0, improved: 1 });
  });
});

describe('more than two runs (ranx compare)', () => {
  test('Holm–Bonferroni, Cohen\'s d and the bootstrap test, by hand', () => {
    // Holm (1979): sorted p 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 → monotone 0.02, 0.03, 0.06, 0.06.
    const adj = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((x, i) => assert.ok(Math.abs(adj[i] - x) < 1e-12, `${adj[i]} vs ${x}`));
    assert.deepEqual(holmAdjust([0.5, 0.9]), [1, 1]); // 0.5·2 = 1, then max(1, 0.9)
    assert.equal(pairedEffectSize([1, 2, 3]), 2); // mean 2, sd (n − 1) 1
    assert.equal(pairedEffectSize([0, 0]), 0);
    // Constant gains: every recentred resample has mean 0, never as far as 0.5 → (0 + 1)/(100 + 1).
    assert.equal(bootstrapTest([0.5, 0.5, 0.5], 100, 1), 1 / 101);
    assert.equal(bootstrapTest([1, -1, 1, -1], 100, 1), 1);
  });
  const n = 30;
  const qrels: Qrels = new Map(Array.from({ length: n }, (_, i) => [`q${i}`, new Map([[`r${i}`, 1]])]));
  // Run c puts the relevant document 1st, b 2nd, a 3rd (each with one exception): c > b > a on recip_rank.
  const run = (rank: (i: number) => number): Run =>
    new Map(Array.from({ length: n }, (_, i) => [`q${i}`, new Map([[`r${i}`, 10 - rank(i)], ['x', 8.5], ['y', 7.5]])]));
  const a = run((i) => (i === 0 ? 1 : 3));
  const b = run((i) => (i === 1 ? 3 : 2));
  const c = run(() => 1);
  test('marks: each run carries the letters of the runs it beats significantly after the correction', () => {
    const mc = compareMany(qrels, [{ name: 'A', run: a }, { name: 'B', run: b }, { name: 'C', run: c }], { measures: ['recip_rank'] });
    assert.equal(mc.queries, n);
    assert.deepEqual(mc.runs.map((r) => r.label), ['a', 'b', 'c']);
    assert.equal(mc.pairs.length, 3);
    assert.deepEqual(mc.better.map((x) => x.recip_rank), ['', 'a', 'ab']);
    for (const p of mc.pairs) assert.ok(p.p_adjusted >= p.p && p.significant === p.p_adjusted <= 0.05);
    const none = compareMany(qrels, [{ name: 'A', run: a }, { name: 'A2', run: a }], { measures: ['recip_rank'], test: 'fisher' });
    assert.deepEqual([none.pairs[0].p, none.better[0].recip_rank, none.better[1].recip_rank], [1, '', '']);
    const text = formatMultiComparison(mc);
    assert.match(text, /^c\s+C\s+1\.0000ᵃᵇ$/m);
    assert.match(formatMultiComparison(mc, 'markdown'), /\| c \| C \| \*\*1\.0000\*\*<sup>ab<\/sup> \|/);
    assert.match(formatMultiComparison(mc, 'latex'), /c & C & \\textbf\{1\.0000\}\$\^\{ab\}\$ \\\\/);
    assert.throws(() => compareMany(qrels, [{ name: 'A', run: a }]), { code: 'RERANK_BAD_OPTION' });
  });
});
