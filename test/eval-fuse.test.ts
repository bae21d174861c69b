import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fuseRuns, optimizeFusion, weightGrid } from '../src/eval/fuse.js';
import { formatRun, parseRun } from '../src/eval/trec.js';
import type { Qrels, Run } from '../src/eval/types.js';
import { rrf, weightedFusion } from '../src/retrieval/fusion.js';
import { fuseLists, normalizeScores } from '../src/util/fusion.js';
import { runCli } from './helpers/cli.js';

const maps = (o: Record<string, Record<string, number>>) => new Map(Object.entries(o).map(([q, d]) => [q, new Map(Object.entries(d))]));
const close = (a: number, b: number, what = '') => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

// The three runs of ranx's own fusion tests (tests/unit/ranx/fusion/*_test.py, AmenRa/ranx); the
// expected values below are the ones those tests assert.
const run1: Run = maps({ q1: { d1: 1, d2: 2, d3: 3 }, q2: { d1: 1, d2: 2 } });
const run2: Run = maps({ q1: { d1: 3, d2: 2 }, q2: { d1: 1, d3: 3 } });
const run3: Run = maps({ q1: { d3: 1 }, q2: { d2: 2, d3: 3 } });
const runs = [run1, run2, run3];
const get = (r: Run, q: string, d: string) => r.get(q)!.get(d)!;

describe('fusion rules, against ranx\'s tests', () => {
  test('rrf: Σ 1/(60 + rank), ranks by score (rrf_test.py)', () => {
    const f = fuseRuns(runs, { method: 'rrf' });
    close(get(f, 'q1', 'd1'), 1 / (60 + 3) + 1 / (60 + 1));
    close(get(f, 'q1', 'd2'), 1 / (60 + 2) + 1 / (60 + 2));
    close(get(f, 'q1', 'd3'), 1 / (60 + 1) + 1 / (60 + 1));
    close(get(f, 'q2', 'd1'), 1 / (60 + 2) + 1 / (60 + 2));
    close(get(f, 'q2', 'd2'), 1 / (60 + 1) + 1 / (60 + 2));
    close(get(f, 'q2', 'd3'), 1 / (60 + 1) + 1 / (60 + 1));
  });
  test('combsum, combmnz, max, min over raw scores (comb_*_test.py)', () => {
    const sum = fuseRuns(runs, { method: 'combsum', norm: 'none' });
    const mnz = fuseRuns(runs, { method: 'combmnz', norm: 'none' });
    const max = fuseRuns(runs, { method: 'max', norm: 'none' });
    const min = fuseRuns(runs, { method: 'min', norm: 'none' });
    const cases: [string, string, number[]][] = [['q1', 'd1', [1, 3]], ['q1', 'd2', [2, 2]], ['q1', 'd3', [3, 1]], ['q2', 'd1', [1, 1]], ['q2', 'd2', [2, 2]], ['q2', 'd3', [3, 3]]];
    for (const [q, d, s] of cases) {
      close(get(sum, q, d), s[0] + s[1], `sum ${q} ${d}`);
      close(get(mnz, q, d), (s[0] + s[1]) * 2, `mnz ${q} ${d}`);
      close(get(max, q, d), Math.max(...s), `max ${q} ${d}`);
      close(get(min, q, d), Math.min(...s), `min ${q} ${d}`);
    }
  });
  test('weighted: Σ w_i s_i, a missing document adds 0 (wsum_test.py)', () => {
    const w = [0.3, 0.2, 0.5];
    const f = fuseRuns(runs, { method: 'weighted', norm: 'none', weights: w });
    close(get(f, 'q1', 'd1'), w[0] * 1 + w[1] * 3);
    close(get(f, 'q1', 'd3'), w[0] * 3 + w[2] * 1);
    close(get(f, 'q2', 'd3'), w[1] * 3 + w[2] * 3);
  });
  test('normalisations: sum and rank (ranx sum_norm_test.py, rank_norm_test.py), min-max, z-score by hand', () => {
    assert.deepEqual(normalizeScores([3, 2, 1], 'sum'), [(3 - 1) / (1 + 2 + 3 - 1 * 3), (2 - 1) / 3, 0]);
    assert.deepEqual(normalizeScores([3, 2, 1], 'rank'), [1 - 0 / 3, 1 - 1 / 3, 1 - 2 / 3]);
    assert.deepEqual(normalizeScores([4, 2, 1], 'minmax'), [1, 1 / 3, 0]);
    const z = normalizeScores([1, 2, 3], 'zscore'); // mean 2, population sd sqrt(2/3)
    close(z[0], -1 / Math.sqrt(2 / 3));
    close(z[2], 1 / Math.sqrt(2 / 3));
    // The documented exceptions to ranx for a constant list (ranx: zeros).
    assert.deepEqual(normalizeScores([5, 5], 'minmax'), [1, 1]);
    assert.deepEqual(normalizeScores([5, 5], 'sum'), [0.5, 0.5]);
    assert.deepEqual(normalizeScores([5, 5], 'zscore'), [0, 0]);
  });
  test('ties rank by docid descending (trec_eval\'s order); depth keeps the best n; bad options are RERANK_BAD_OPTION', () => {
    const f = fuseRuns([maps({ q: { a: 1, b: 1 } }), maps({ q: { c: 5 } })], { method: 'rrf', depth: 2 });
    assert.deepEqual([...f.get('q')!.keys()].sort(), ['b', 'c']); // b ranks above a in the first run
    assert.throws(() => fuseRuns([run1], { method: 'rrf' }), { code: 'RERANK_BAD_OPTION' });
    assert.throws(() => fuseRuns(runs, { method: 'weighted' }), { code: 'RERANK_BAD_OPTION' });
    assert.throws(() => fuseRuns(runs, { method: 'combsum', weights: [1, 1, 1] }), { code: 'RERANK_BAD_OPTION' });
    assert.throws(() => fuseRuns(runs, { method: 'nope' as 'rrf' }), { code: 'RERANK_BAD_OPTION' });
  });
});

describe('one mechanism: hybrid retrieval fuses through util/fusion.ts', () => {
  test('retrieval rrf and weighted equal fuseLists on the same lists', () => {
    const bm25 = [{ id: 'a', score: 12 }, { id: 'b', score: 10 }, { id: 'c', score: 4 }];
    const dense = [{ id: 'b', score: 0.9 }, { id: 'd', score: 0.8 }, { id: 'a', score: 0.1 }];
    const lists = [bm25, dense].map((l) => ({ keys: l.map((h) => h.id), scores: l.map((h) => h.score) }));
    const viaCore = fuseLists(lists, { method: 'rrf', weights: [1, 1] });
    for (const h of rrf([bm25, dense])) close(h.score, viaCore.get(h.id)!, h.id);
    const weighted = fuseLists(lists, { method: 'weighted', norm: 'zscore', weights: [0.5, 0.5], missing: 'floor' });
    for (const h of weightedFusion([bm25, dense], { weights: [0.5, 0.5], normalization: 'zscore' })) close(h.score, weighted.get(h.id)!, h.id);
  });
});

describe('optimisation (ranx optimize_fusion)', () => {
  // q1..q4: run A ranks the relevant document first, run B last; a good fusion leans on A.
  const qrels: Qrels = maps(Object.fromEntries([1, 2, 3, 4].map((i) => [`q${i}`, { [`r${i}`]: 1 }])));
  const a: Run = maps(Object.fromEntries([1, 2, 3, 4].map((i) => [`q${i}`, { [`r${i}`]: 3, x: 2, y: 1 }])));
  const b: Run = maps(Object.fromEntries([1, 2, 3, 4].map((i) => [`q${i}`, { [`r${i}`]: 1, x: 2, y: 3 }])));
  test('the weight grid holds every vector of multiples of step summing to 1, exactly', () => {
    assert.equal(weightGrid(2, 0.1).length, 11);
    assert.equal(weightGrid(3, 0.1).length, 66); // C(12, 2)
    assert.ok(weightGrid(3, 0.1).some((w) => w.join() === '0.1,0.2,0.7'));
    assert.throws(() => weightGrid(2, 0.3), { code: 'RERANK_BAD_OPTION' });
  });
  test('weighted: the best grid point by the metric, the later one on ties; rrf: k from 10 to 100', () => {
    const w = optimizeFusion(qrels, [a, b], { method: 'weighted', metric: 'recip_rank' });
    assert.equal(w.trials.length, 11);
    assert.equal(w.best.score, Math.max(...w.trials.map((t) => t.score)));
    assert.equal(w.best.score, 1);
    const last = w.trials.filter((t) => t.score === 1).at(-1)!;
    assert.deepEqual(w.best.weights, last.weights);
    const k = optimizeFusion(qrels, [a, b], { method: 'rrf', metric: 'ndcg_cut_10' });
    assert.deepEqual(k.trials.map((t) => t.k), [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    assert.throws(() => optimizeFusion(qrels, [a, b], { method: 'combsum' }), { code: 'RERANK_BAD_OPTION' });
  });
});

describe('rerankit fuse', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rerankit-fuse-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  test('writes the fused run in TREC format; mistakes are one line', () => {
    const [p1, p2] = [join(tmp, '1.run'), join(tmp, '2.run')];
    writeFileSync(p1, formatRun(run1, 'one'));
    writeFileSync(p2, formatRun(run2, 'two'));
    const r = runCli(['fuse', '--run', p1, '--run', p2, '--method', 'combmnz', '--norm', 'minmax', '--tag', 'f']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, formatRun(fuseRuns([parseRun(formatRun(run1)), parseRun(formatRun(run2))], { method: 'combmnz', norm: 'minmax' }), 'f'));
    const bad = runCli(['fuse', '--run', p1, '--run', p2, '--method', 'rrf', '--norm', 'zscore']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^rerankit: error \[RERANK_USAGE\]: rrf fuses ranks/);
  });
});
