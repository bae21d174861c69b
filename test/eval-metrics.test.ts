import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluate } from '../src/eval/evaluate.js';
import { parseMeasure, parseMeasures } from '../src/eval/measures.js';
import { compareBytes, trecOrder } from '../src/eval/rank.js';
import { parseQrels, parseRun } from '../src/eval/trec.js';
import type { Qrels, Run } from '../src/eval/types.js';
import { rng, shuffled } from './helpers/fixtures.js';

const close = (a: number, b: number, what = '') => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);
const qrelsOf = (o: Record<string, Record<string, number>>): Qrels => new Map(Object.entries(o).map(([q, d]) => [q, new Map(Object.entries(d))]));
const runOf = (o: Record<string, Record<string, number>>): Run => qrelsOf(o) as Run;
const one = (qrels: Qrels, run: Run, measures: string[], level = 1) => evaluate(qrels, run, { measures, relevanceLevel: level, friendly: false }).all;

describe('trec_eval cases (values pytrec_eval/trec_eval produce, from pytrec_eval\'s own tests)', () => {
  const qrels = qrelsOf({ q1: { d1: 0, d2: 1, d3: 0 }, q2: { d2: 1, d3: 1 } });
  const q1 = (run: Record<string, number>, m: string[]) => evaluate(qrels, runOf({ q1: run, q2: {} }), { measures: m }).per_query.q1;
  test('ndcg', () => {
    close(q1({ d1: 1, d2: 0, d3: 1.5 }, ['ndcg']).ndcg, 0.5);
    close(q1({ d1: 1, d2: 2, d3: 1.5 }, ['ndcg']).ndcg, 1);
    close(q1({ d1: 4, d2: 2, d3: 1.5 }, ['ndcg']).ndcg, 0.6309297535714575);
  });
  test('ndcg_cut at 1, 2, 3 and 1000', () => {
    const r = q1({ d1: 1, d2: 0, d3: 1.5 }, ['ndcg_cut.1,2,3,1000']);
    close(r.ndcg_cut_3, 0.5);
    close(r.ndcg_cut_2, 0);
    close(r.ndcg_cut_1, 0);
    close(r.ndcg_cut_1000, 0.5);
    close(q1({ d1: 1, d2: 2, d3: 1.5 }, ['ndcg_cut_1']).ndcg_cut_1, 1);
  });
});

describe('hand-computed graded query', () => {
  // ranking: d1 (rel 2), d2 (rel 0), d3 (rel 1), d4 (unjudged); d5 (rel 2) is never retrieved
  const qrels = qrelsOf({ q: { d1: 2, d2: 0, d3: 1, d5: 2 } });
  const run = runOf({ q: { d1: 4, d2: 3, d3: 2, d4: 1 } });
  const all = ['ndcg_cut_10', 'P_10', 'recall_100', 'map', 'recip_rank', 'success_1', 'mrr_cut_1', 'P_2'];
  test('level 1', () => {
    const r = one(qrels, run, all);
    const idcg = 2 + 2 / Math.log2(3) + 1 / Math.log2(4);
    close(r.ndcg_cut_10, (2 + 1 / Math.log2(4)) / idcg, 'ndcg');
    close(r.P_10, 0.2);
    close(r.P_2, 0.5);
    close(r.recall_100, 2 / 3);
    close(r.map, (1 + 2 / 3) / 3);
    close(r.recip_rank, 1);
    close(r.success_1, 1);
    close(r.mrr_cut_1, 1);
  });
  test('-l 2 changes the binary measures, not nDCG', () => {
    const r = one(qrels, run, all, 2);
    close(r.ndcg_cut_10, one(qrels, run, ['ndcg_cut_10']).ndcg_cut_10);
    close(r.P_10, 0.1);
    close(r.recall_100, 0.5);
    close(r.map, 0.5);
  });
  test('relevant at rank 3 only: recip_rank 1/3, MRR@2 and HitRate@2 are 0', () => {
    const r = one(qrelsOf({ q: { d3: 1 } }), run, ['recip_rank', 'mrr_cut_2', 'success_2', 'success_3']);
    assert.deepEqual([r.recip_rank, r.mrr_cut_2, r.success_2, r.success_3], [1 / 3, 0, 0, 1]);
  });
});

describe('trec_eval ranking and averaging rules', () => {
  test('ties break by docid descending in byte order; the rank column is ignored', () => {
    const run = parseRun('q Q0 a 1 1.0 t\nq Q0 b 2 1.0 t\nq Q0 c 3 0.5 t\n');
    assert.deepEqual(trecOrder(run.get('q')!), ['b', 'a', 'c']);
    close(one(qrelsOf({ q: { a: 1 } }), run, ['recip_rank']).recip_rank, 0.5);
    assert.ok(compareBytes('Z', 'a') < 0 && compareBytes('\u{1F600}', '\uFFFD') > 0, 'UTF-8 byte order, not UTF-16');
  });
  test('a judged query with no relevant document scores 0 and counts in the mean', () => {
    const qrels = qrelsOf({ q1: { a: 1 }, q2: { b: 0 } });
    const r = evaluate(qrels, runOf({ q1: { a: 1 }, q2: { b: 1 } }), { measures: ['map', 'ndcg_cut_10'] });
    assert.deepEqual(Object.keys(r.per_query), ['q1', 'q2']);
    close(r.all.map, 0.5);
    close(r.all.ndcg_cut_10, 0.5);
  });
  test('queries the run lacks are skipped, or count as 0 with complete (-c)', () => {
    const qrels = qrelsOf({ q1: { a: 1 }, q2: { b: 1 } });
    const run = runOf({ q1: { a: 1 }, q3: { x: 1 } });
    close(one(qrels, run, ['map']).map, 1);
    close(evaluate(qrels, run, { measures: ['map'], complete: true }).all.map, 0.5);
    assert.throws(() => evaluate(qrels, runOf({ q9: { a: 1 } })), { code: 'RERANK_BAD_INPUT' });
  });
  test('qrels read like atol, scores like atof; a duplicate is refused only in a query that is evaluated', () => {
    // get_qrels.c reads the judgment with atol, get_trec_results.c the score with atof (C's own parsers).
    assert.equal(parseQrels('q 0 d 2.7\n').get('q')!.get('d'), 2);
    assert.equal(parseQrels('q 0 d x\n').get('q')!.get('d'), 0);
    const sims = parseRun('q Q0 a 1 inf t\nq Q0 b 2 -inf t\nq Q0 c 3 1.5abc t\nq Q0 d 4 x t\nq Q0 e 5 0x1p3 t\n').get('q')!;
    assert.deepEqual([...sims.values()], [Infinity, -Infinity, 1.5, 0, 8]);
    // form_res_rels.c refuses a document twice in a query's run or qrels when that query is evaluated.
    const dupQrels = parseQrels('q 0 d 1\nq 0 d 0\nr 0 e 1\n');
    const dupRun = parseRun('q Q0 d 1 1 t\nq Q0 d 2 0.5 t\nr Q0 e 1 1 t\n');
    assert.throws(() => evaluate(dupQrels, parseRun('q Q0 d 1 1 t\n')), { code: 'RERANK_BAD_INPUT', message: /qrels: document d appears twice for query q/ });
    assert.throws(() => evaluate(qrelsOf({ q: { d: 1 } }), dupRun), { code: 'RERANK_BAD_INPUT', message: /run: document d appears twice for query q/ });
    assert.equal(evaluate(dupQrels, parseRun('r Q0 e 1 1 t\n'), { measures: ['map'] }).all.map, 1);
    assert.equal(evaluate(qrelsOf({ r: { e: 1 } }), dupRun, { measures: ['map'] }).all.map, 1);
    // ... and only when both copies are within -M (the duplicate ranks 2nd here).
    assert.equal(evaluate(qrelsOf({ q: { d: 1 } }), dupRun, { measures: ['map'], maxRetrieved: 1 }).all.map, 1);
  });
  test('friendly names sit beside trec_eval names and parse back', () => {
    const r = evaluate(qrelsOf({ q: { a: 1 } }), runOf({ q: { a: 1 } }));
    // In trec_eval's print order (its measure table, measures.c), whatever order they were asked in.
    assert.deepEqual(Object.keys(r.all), ['map', 'MAP', 'recip_rank', 'MRR', 'P_10', 'P@10', 'recall_100', 'Recall@100', 'ndcg_cut_10', 'nDCG@10']);
    assert.deepEqual(parseMeasures(['nDCG@10', 'mrr@10', 'hit@5', 'R@100', 'P.5,10', 'MRR']).map((m) => m.name), ['recip_rank', 'P_5', 'P_10', 'recall_100', 'ndcg_cut_10', 'success_5', 'mrr_cut_10']);
    assert.deepEqual(parseMeasure('bpref').map((m) => m.name), ['bpref']);
    assert.throws(() => parseMeasure('prefs_simp'), { code: 'RERANK_BAD_OPTION' });
    assert.throws(() => parseMeasure('P.'), { code: 'RERANK_BAD_OPTION' });
    assert.throws(() => parseMeasure('nosuch'), { code: 'RERANK_BAD_OPTION' });
    assert.throws(() => parseMeasure('ndcg_cut_0'), { code: 'RERANK_BAD_OPTION' });
  });
});

/** Straightforward textbook formulas, written independently of src/eval/metrics.ts. */
function reference(judged: Map<string, number>, ranking: string[], k: number) {
  const gain = (d: string) => Math.max(judged.get(d) ?? 0, 0);
  const rel = (d: string) => (judged.get(d) ?? 0) >= 1;
  const dcg = (gs: number[]) => gs.slice(0, k).reduce((s, g, i) => s + g / Math.log2(i + 2), 0);
  const ideal = dcg([...judged.values()].map((g) => Math.max(g, 0)).sort((a, b) => b - a));
  const nrel = [...judged.values()].filter((g) => g >= 1).length;
  const hits = ranking.map(rel);
  const ap = hits.reduce((s, h, i) => (h ? s + hits.slice(0, i + 1).filter(Boolean).length / (i + 1) : s), 0);
  return {
    ndcg: ideal ? dcg(ranking.map(gain)) / ideal : 0,
    p: hits.slice(0, k).filter(Boolean).length / k,
    recall: nrel ? hits.slice(0, k).filter(Boolean).length / nrel : 0,
    ap: nrel ? ap / nrel : 0,
    rr: hits.indexOf(true) >= 0 ? 1 / (hits.indexOf(true) + 1) : 0,
  };
}

describe('properties on random collections', () => {
  const rand = rng(2024);
  const cases = Array.from({ length: 60 }, (_, c) => {
    const docs = Array.from({ length: 5 + Math.floor(rand() * 30) }, (_, i) => `d${i}`);
    const judged = new Map(docs.filter(() => rand() < 0.6).map((d) => [d, Math.floor(rand() * 4) - (rand() < 0.05 ? 1 : 0)]));
    const scores = new Map(shuffled(docs, rand).slice(0, Math.floor(rand() * docs.length)).map((d) => [d, Math.round(rand() * 5)]));
    return { qid: `q${c}`, judged, scores };
  });
  const qrels: Qrels = new Map(cases.map((c) => [c.qid, c.judged]));
  const run: Run = new Map(cases.map((c) => [c.qid, c.scores]));
  const res = evaluate(qrels, run, { measures: ['ndcg_cut_5', 'P_5', 'recall_5', 'map', 'recip_rank', 'recall_1000', 'success_5'], friendly: false, complete: true });

  test('agree with textbook formulas on trec_eval\'s ordering (ties included)', () => {
    for (const c of cases) {
      const ref = reference(c.judged, trecOrder(c.scores), 5);
      const got = res.per_query[c.qid];
      close(got.ndcg_cut_5, ref.ndcg, `${c.qid} ndcg`);
      close(got.P_5, ref.p, `${c.qid} P`);
      close(got.recall_5, ref.recall, `${c.qid} recall`);
      close(got.map, ref.ap, `${c.qid} map`);
      close(got.recip_rank, ref.rr, `${c.qid} rr`);
    }
  });
  test('every value lies in [0, 1]; recall grows with depth; success matches P', () => {
    for (const s of Object.values(res.per_query)) {
      for (const v of Object.values(s)) assert.ok(v >= 0 && v <= 1 + 1e-12);
      assert.ok(s.recall_5 <= s.recall_1000 + 1e-12);
      assert.equal(s.success_5, s.P_5 > 0 ? 1 : 0);
    }
  });
  test('the ideal ranking scores 1 on nDCG, MAP and MRR', () => {
    const ideal: Run = new Map(cases.map((c) => [c.qid, new Map([...c.judged].map(([d, g]) => [d, g]))]));
    const r = evaluate(qrels, ideal, { measures: ['ndcg', 'map', 'recip_rank'], friendly: false });
    for (const [qid, s] of Object.entries(r.per_query)) {
      const hasRel = [...qrels.get(qid)!.values()].some((g) => g >= 1);
      assert.equal(Math.round(s.ndcg * 1e9) / 1e9, hasRel ? 1 : 0, qid);
      if (hasRel) close(s.map, 1, qid), close(s.recip_rank, 1, qid);
    }
  });
  test('line order of the run file does not matter', () => {
    const lines = cases.flatMap((c) => [...c.scores].map(([d, s], i) => `${c.qid} Q0 ${d} ${i + 1} ${s} t`));
    const a = evaluate(qrels, parseRun(lines.join('\n')));
    const b = evaluate(qrels, parseRun(shuffled(lines, rand).join('\n')));
    assert.deepEqual(a, b);
  });
});
