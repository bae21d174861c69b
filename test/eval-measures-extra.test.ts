// Measures beyond trec_eval (Judged@k, nDCG with exponential gain, ERR@k, RBP and its residual,
// alpha-nDCG@k, MRR@k): hand-computed values from their definitions, a published ndeval value, and
// properties over random collections. (Agreement with gdeval and ndeval outputs: eval-trec-eval.test.ts.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluate } from '../src/eval/evaluate.js';
import { parseSubtopicQrels } from '../src/eval/trec.js';
import type { Qrels, Run } from '../src/eval/types.js';
import { rng } from './helpers/fixtures.js';

const maps = (o: Record<string, Record<string, number>>) => new Map(Object.entries(o).map(([q, d]) => [q, new Map(Object.entries(d))]));
const close = (a: number, b: number, what = '', eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${what}: ${a} vs ${b}`);
/** One query; the run ranks the docs in the order given (scores n, n−1, …). */
const one = (judged: Record<string, number>, ranking: string[], measures: string[], opts = {}) =>
  evaluate(maps({ q: judged }), maps({ q: Object.fromEntries(ranking.map((d, i) => [d, ranking.length - i])) }), { measures, friendly: false, ...opts }).per_query.q;

describe('definitions, by hand', () => {
  test('Judged@k: share of the top k with any judgment (negative ones too), over min(k, ranking length)', () => {
    const r = one({ a: 1, b: 0, c: -1 }, ['a', 'x', 'b', 'c', 'y'], ['Judged@2', 'Judged@4', 'Judged@10']);
    assert.deepEqual([r['Judged@2'], r['Judged@4'], r['Judged@10']], [1 / 2, 3 / 4, 3 / 5]);
  });
  test('nDCG with exponential gain: Σ (2^g − 1)/log2(i + 1) over the ideal of all positive judgments', () => {
    const r = one({ a: 1, b: 3, c: 0, d: 2 }, ['a', 'c', 'b'], ["nDCG(dcg='exp-log2')@3", 'ndcg_exp@2']);
    const dcg3 = 1 + 0 + 7 / 2; // a (2^1−1)/log2 2, c 0, b (2^3−1)/log2 4
    const ideal3 = 7 + 3 / Math.log2(3) + 1 / 2; // b, d, a
    close(r["nDCG(dcg='exp-log2')@3"], dcg3 / ideal3);
    close(r["nDCG(dcg='exp-log2')@2"], 1 / (7 + 3 / Math.log2(3)));
  });
  test('ERR@k (Chapelle et al. 2009) with R = (2^g − 1)/2^4; a judgment above the top grade is refused', () => {
    const r = one({ a: 4, b: 0, c: 2 }, ['a', 'b', 'c'], ['ERR@3', 'ERR@1', 'ERR(max=5)@3']);
    const [r1, r3] = [15 / 16, 3 / 16];
    close(r['ERR@3'], r1 + ((1 - r1) * (1 - 0) * r3) / 3);
    close(r['ERR@1'], r1);
    close(r['ERR(max=5)@3'], 15 / 32 + ((1 - 15 / 32) * (3 / 32)) / 3);
    assert.throws(() => one({ a: 5 }, ['a'], ['ERR@3']), { code: 'RERANK_BAD_INPUT', message: /above the top grade 4/ });
  });
  test('RBP(p) = (1 − p) Σ rel_i p^(i−1) (Moffat & Zobel 2008); its residual adds the unjudged and the tail', () => {
    const r = one({ a: 1, b: 0, c: 2 }, ['a', 'x', 'c'], ['RBP(p=0.5)', 'RBP(p=0.5,rel=2)', 'RBP_resid(p=0.5)', 'RBP']);
    close(r['RBP(p=0.5)'], 0.5 * (1 + 0.25));
    close(r['RBP(p=0.5,rel=2)'], 0.5 * 0.25);
    close(r['RBP_resid(p=0.5)'], 0.5 * 0.5 + 0.5 ** 3); // x at rank 2, then everything below rank 3
    close(r['RBP(p=0.8)'], 0.2 * (1 + 0.64), 'default p = 0.8 (ir_measures)');
  });
  test('MRR@k: 1/rank of the first relevant document within k, else 0', () => {
    const r = one({ c: 1 }, ['a', 'b', 'c'], ['MRR@2', 'mrr_cut_3', 'recip_rank']);
    assert.deepEqual([r.mrr_cut_2, r.mrr_cut_3, r.recip_rank], [0, 1 / 3, 1 / 3]);
  });
  test('alpha-nDCG@5 of pyndeval\'s own test (values ndeval prints, seanmacavaney/pyndeval tests/test_pyndeval.py)', () => {
    const sub = parseSubtopicQrels('0 a A 1\n0 b B 1\n0 b D 1\n0 c C 1\n');
    const run: Run = maps({ 0: { A: 9.3, D: 8.4, E: 8.1, B: 7.6 } });
    const r = evaluate(maps({ 0: { A: 1, B: 1, C: 1, D: 1 } }), run, { measures: ['alpha_nDCG@5', 'alpha_nDCG@10', 'alpha_nDCG@20'], subtopics: sub, friendly: false }).per_query['0'];
    for (const k of [5, 10, 20]) close(r[`alpha_nDCG@${k}`], 0.7868, `@${k}`, 1e-4);
  });
});

describe('properties on random collections', () => {
  const rand = rng(77);
  const cases = Array.from({ length: 50 }, (_, c) => {
    const docs = Array.from({ length: 5 + Math.floor(rand() * 40) }, (_, i) => `d${i}`);
    const judged = new Map(docs.filter(() => rand() < 0.6).map((d) => [d, Math.floor(rand() * 5) - (rand() < 0.05 ? 1 : 0)]));
    if (judged.size === 0) judged.set(docs[0], 1);
    const ranked = docs.filter(() => rand() < 0.8);
    const scores = new Map((ranked.length ? ranked : [docs[0]]).map((d) => [d, Math.round(rand() * 6)]));
    return { qid: `q${c}`, judged, scores };
  });
  const qrels: Qrels = new Map(cases.map((c) => [c.qid, c.judged]));
  const run: Run = new Map(cases.map((c) => [c.qid, c.scores]));
  const ms = ['Judged@10', 'unj.10', 'ndcg_cut.10', "nDCG(dcg='exp-log2')@10", 'ERR@5', 'ERR@10', 'RBP(p=0.8)', 'RBP_resid(p=0.8)', 'MRR@10', 'recip_rank'];
  const res = evaluate(qrels, run, { measures: ms, friendly: false }).per_query;

  test('values in [0, 1]; RBP + residual <= 1; ERR grows with k; MRR@k <= recip_rank', () => {
    for (const [qid, s] of Object.entries(res)) {
      for (const k of Object.keys(s)) assert.ok(s[k] >= 0 && s[k] <= 1 + 1e-12, `${qid} ${k} ${s[k]}`);
      assert.ok(s['RBP(p=0.8)'] + s['RBP_resid(p=0.8)'] <= 1 + 1e-12, qid);
      assert.ok(s['ERR@5'] <= s['ERR@10'] + 1e-15, qid);
      assert.ok(s.mrr_cut_10 <= s.recip_rank + 1e-15, qid);
    }
  });
  test('Judged@10 = 1 − unj_10 where the ranking has 10 documents and no negative judgment (trec_eval\'s unj)', () => {
    let checked = 0;
    for (const c of cases) {
      if (c.scores.size < 10 || [...c.judged.values()].some((v) => v < 0)) continue;
      close(res[c.qid]['Judged@10'], 1 - res[c.qid].unj_10, c.qid);
      checked++;
    }
    assert.ok(checked > 5, `${checked} queries checked`);
  });
  test('with binary judgments, exponential-gain nDCG equals trec_eval\'s ndcg_cut', () => {
    const binary: Qrels = new Map(cases.map((c) => [c.qid, new Map([...c.judged].map(([d, v]) => [d, v > 0 ? 1 : v]))]));
    const r = evaluate(binary, run, { measures: ['ndcg_cut.10', "nDCG(dcg='exp-log2')@10"], friendly: false }).per_query;
    for (const [qid, s] of Object.entries(r)) close(s["nDCG(dcg='exp-log2')@10"], s.ndcg_cut_10, qid, 1e-12);
  });
  test('alpha-nDCG with one subtopic and alpha = 0 is binary nDCG', () => {
    const text = cases.flatMap((c) => [...c.judged].map(([d, v]) => `${c.qid} 1 ${d} ${v > 0 ? 1 : 0}`)).join('\n');
    const binary: Qrels = new Map(cases.map((c) => [c.qid, new Map([...c.judged].map(([d, v]) => [d, v > 0 ? 1 : 0]))]));
    const r = evaluate(binary, run, { measures: ['alpha_nDCG(alpha=0)@10', 'ndcg_cut.10'], subtopics: parseSubtopicQrels(text), friendly: false }).per_query;
    for (const [qid, s] of Object.entries(r)) close(s['alpha_nDCG(alpha=0)@10'], s.ndcg_cut_10, qid, 1e-12);
  });
  test('-M and -J apply to these measures as to trec_eval\'s', () => {
    const full = evaluate(qrels, run, { measures: ['Judged@10'], judgedOnly: true, friendly: false }).per_query;
    for (const s of Object.values(full)) assert.ok(s['Judged@10'] === 1 || s['Judged@10'] === 0);
    const cut = evaluate(qrels, run, { measures: ['RBP_resid(p=0.8)'], maxRetrieved: 1, friendly: false }).per_query;
    for (const s of Object.values(cut)) assert.ok(s['RBP_resid(p=0.8)'] >= 0.8 - 1e-12, 'one document kept: p^1 of tail at least');
  });
});
