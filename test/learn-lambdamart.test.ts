import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../src/util/random.js';
import { fitPropensities } from '../src/learn/debias.js';
import { MemoryLearnStore } from '../src/learn/file-store.js';
import { lambdaGradients, predict, trainLambdaMart } from '../src/learn/lambdamart.js';
import { Learner, parseLearnConfig } from '../src/learn/learner.js';

/** NDCG@k written out here, independent of the trainer's own metric. */
function ndcg(order: number[], grades: number[], k = 10): number {
  const dcg = (gs: number[]) => gs.slice(0, k).reduce((s, g, i) => s + (2 ** g - 1) / Math.log2(i + 2), 0);
  const ideal = dcg([...grades].sort((a, b) => b - a));
  return ideal === 0 ? 1 : dcg(order.map((i) => grades[i]!)) / ideal;
}

test('LambdaMART learns a ranking function from graded labels and generalises to held-out queries', () => {
  const rng = seededRandom(7);
  const make = (n: number) => Array.from({ length: n }, () => {
    const x = Array.from({ length: 12 }, () => [rng(), rng(), rng() < 0.1 ? NaN : rng()]);
    // The grade rises with feature 0, falls with feature 1; feature 2 is noise (sometimes missing).
    const y = x.map(([a, b]) => Math.max(0, Math.min(3, Math.round(3 * a! - 1.5 * b! + 0.5))));
    return { x, y };
  });
  const train = make(60);
  const test = make(20);
  const res = trainLambdaMart(train, test, ['a', 'b', 'noise'], { iterations: 30, maxDepth: 3, learningRate: 0.3, sampling: 1 });
  assert.equal(res.model.trees.length, 30);
  assert.equal(res.iterations.length, 30);
  const byModel = test.map((q) => ndcg(q.x.map((_, i) => i).sort((i, j) => predict(res.model, q.x[j]!) - predict(res.model, q.x[i]!)), q.y));
  const byNoise = test.map((q) => ndcg(q.x.map((_, i) => i).sort((i, j) => q.x[j]![2]! - q.x[i]![2]!), q.y));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(byModel) > 0.9, `held-out NDCG@10 ${mean(byModel)}`);
  assert.ok(mean(byModel) > mean(byNoise) + 0.2);
  assert.ok(res.gain[0]! > res.gain[2]! && res.gain[1]! > res.gain[2]!, `gain ${res.gain}`);
  // The serialized model predicts the same after a JSON round trip (it is what the store keeps).
  const copy = JSON.parse(JSON.stringify(res.model)) as typeof res.model;
  assert.equal(predict(copy, test[0]!.x[0]!), predict(res.model, test[0]!.x[0]!));
});

test('EM fit of a position-based click model recovers examination propensities (1/r)', () => {
  const rng = seededRandom(3);
  const gamma = Array.from({ length: 40 }, () => rng());
  const obs = [];
  for (let s = 0; s < 6000; s++) {
    const shown = Array.from({ length: 40 }, (_, i) => i).sort(() => rng() - 0.5).slice(0, 5);
    for (const [p, d] of shown.entries()) obs.push({ key: String(d), position: p, clicked: rng() < 1 / (p + 1) && rng() < gamma[d]! });
  }
  const prop = fitPropensities(obs, 5, 100);
  prop.forEach((v, p) => assert.ok(Math.abs(v - 1 / (p + 1)) < 0.05, `position ${p}: ${v} vs ${1 / (p + 1)}`));
});

test('on simulated position-biased clicks, debiased (backend.debias) training beats naive click training', async () => {
  const rng = seededRandom(11);
  const Q = 16; const D = 8;
  // Each document has a quality that decides its grade, and a popularity the logging system ranks by.
  const docs = Array.from({ length: Q }, (_, q) => Array.from({ length: D }, (_, d) => ({ id: `q${q}d${d}`, quality: rng(), pop: rng() })));
  const grade = (x: { quality: number }) => Math.min(3, Math.floor(x.quality * 4));
  const clickProb = [0.05, 0.3, 0.6, 0.9];
  const features = [
    { name: 'quality', type: 'number', scope: 'item', field: 'item.quality' },
    { name: 'pop', type: 'number', scope: 'item', field: 'item.pop' },
  ];
  const model = (debias: boolean) => ({ type: 'lambdamart', backend: { type: 'xgboost', iterations: 40, maxDepth: 3, learningRate: 0.2, sampling: 1, seed: 1, debias }, weights: { click: 1 }, features: ['quality', 'pop'], split: 'random=90%' });
  const l = await Learner.open(parseLearnConfig({ features, models: { naive: model(false), debiased: model(true) }, state: { type: 'memory' } }), { store: new MemoryLearnStore() });
  const fields = (x: { quality: number; pop: number }) => [{ name: 'quality', value: x.quality }, { name: 'pop', value: x.pop }];
  const events: unknown[] = [];
  let t = 1_700_000_000_000;
  for (let s = 0; s < 40; s++) {
    for (let q = 0; q < Q; q++) {
      // The logging policy: by popularity with noise, so each document is seen at several positions.
      const shown = [...docs[q]!].sort((a, b) => b.pop + rng() * 0.8 - (a.pop + rng() * 0.8));
      const id = `r${s}-${q}`;
      events.push({ event: 'ranking', id, timestamp: String(t), session: `s${s}`, fields: [{ name: 'query', value: `q${q}` }], items: shown.map((x) => ({ id: x.id, fields: fields(x) })) });
      shown.forEach((x, r) => {
        if (rng() < 1 / (r + 1) && rng() < clickProb[grade(x)]!) events.push({ event: 'interaction', id: `${id}-${x.id}`, ranking: id, type: 'click', item: x.id, timestamp: String(t + 1) });
      });
      t += 1000;
    }
  }
  await l.feedback(events);
  await l.train('naive');
  const rep = await l.train('debiased');
  assert.ok(rep.propensities && rep.propensities[0] === 1 && rep.propensities[3]! < 0.5, `propensities ${rep.propensities}`);
  const score = async (name: string) => {
    let sum = 0;
    for (const list of docs) {
      const { items } = await l.rank(name, { items: list.map((x) => ({ id: x.id, fields: fields(x) })) });
      sum += ndcg(items.map((i) => list.findIndex((x) => x.id === i.item)), list.map(grade));
    }
    return sum / docs.length;
  };
  const naive = await score('naive');
  const debiased = await score('debiased');
  if (process.env.LEARN_DEBUG) console.log({ naive, debiased, prop: rep.propensities?.slice(0, 8) });
  assert.ok(debiased > naive + 0.02, `debiased NDCG@10 ${debiased.toFixed(4)} vs naive ${naive.toFixed(4)}`);
});

test('debias weights are 1/θ(displayed position), clipped at debias.clip', async () => {
  const config = parseLearnConfig({
    features: [{ name: 'price', type: 'number', field: 'item.price' }],
    models: { m: { type: 'lambdamart', backend: { type: 'xgboost', iterations: 2, debias: { propensities: [1, 0.5, 0.1], clip: 4 } }, weights: { click: 1 }, features: ['price'], split: 'time=100%' } },
    state: { type: 'memory' },
  });
  const l = await Learner.open(config, { store: new MemoryLearnStore() });
  await l.feedback([
    { event: 'ranking', id: 'r', timestamp: '1700000000000', items: ['x', 'y', 'z', 'w'].map((id) => ({ id })) },
    { event: 'interaction', id: 'c', ranking: 'r', type: 'click', item: 'z', timestamp: '1700000000010' },
  ]);
  const { train, propensities } = l.dataset(config.models.m as never);
  assert.deepEqual(propensities, [1, 0.5, 0.1]);
  // 1/1, 1/0.5, 1/0.1 = 10 clipped to 4, and position 3 takes the last propensity (also clipped).
  assert.deepEqual(train[0]!.w, [1, 2, 4, 4]);
});

test('LambdaRank gradients equal the textbook pairwise formula on random queries (property test)', () => {
  // Reference written from the definition, all pairs, nothing skipped or cached: rank by score (ties
  // by index), ΔNDCG@k of swapping i and j = |gain_i − gain_j|·|disc_i − disc_j| / IDCG@k with
  // disc 0 below k, ρ = σ(s_i − s_j), g_i += (ρ − 1)·Δ·w_i, h += 2ρ(1 − ρ)·Δ·w_i (XGBoost's form).
  const rand = seededRandom(11);
  for (let trial = 0; trial < 200; trial++) {
    const k = 1 + Math.floor(rand() * 6);
    const groups = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => {
      const n = 1 + Math.floor(rand() * 12);
      const y = Array.from({ length: n }, () => Math.floor(rand() * 4) * (rand() < 0.7 ? 1 : 0));
      return { x: y.map(() => [0]), y, w: y.map(() => 0.5 + rand() * 3) };
    });
    const scores = Float64Array.from(groups.flatMap((q) => q.y.map(() => (rand() < 0.2 ? Math.round(rand() * 2) : (rand() - 0.5) * 8))));
    const got = lambdaGradients(groups, scores, k);
    const g = new Float64Array(scores.length); const h = new Float64Array(scores.length);
    let start = 0;
    let ndcgSum = 0;
    for (const q of groups) {
      const n = q.y.length;
      const s = Array.from(scores.subarray(start, start + n));
      const order = [...s.keys()].sort((a, b) => s[b]! - s[a]! || a - b);
      const rank: number[] = []; order.forEach((d, r) => { rank[d] = r; });
      const dsc = (r: number) => (r < k ? 1 / Math.log2(r + 2) : 0);
      const gn = (l: number) => 2 ** l - 1;
      const idcg = [...q.y].sort((a, b) => b - a).slice(0, k).reduce((t, l, r) => t + gn(l) * dsc(r), 0);
      ndcgSum += idcg === 0 ? 1 : order.slice(0, k).reduce((t, d, r) => t + gn(q.y[d]!) * dsc(r), 0) / idcg;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        if (idcg === 0 || !(q.y[i]! > q.y[j]!)) continue;
        const delta = (Math.abs(gn(q.y[i]!) - gn(q.y[j]!)) * Math.abs(dsc(rank[i]!) - dsc(rank[j]!)) / idcg) * q.w[i]!;
        if (delta === 0) continue;
        const rho = 1 / (1 + Math.exp(s[j]! - s[i]!));
        g[start + i] += (rho - 1) * delta; g[start + j] -= (rho - 1) * delta;
        h[start + i] += 2 * Math.max(rho * (1 - rho), 1e-16) * delta; h[start + j] += 2 * Math.max(rho * (1 - rho), 1e-16) * delta;
      }
      start += n;
    }
    for (let i = 0; i < scores.length; i++) {
      assert.ok(Math.abs(got.g[i]! - g[i]!) <= 1e-9 * (1 + Math.abs(g[i]!)), `trial ${trial} doc ${i}: g ${got.g[i]} vs ${g[i]}`);
      assert.ok(Math.abs(got.h[i]! - h[i]!) <= 1e-9 * (1 + Math.abs(h[i]!)), `trial ${trial} doc ${i}: h ${got.h[i]} vs ${h[i]}`);
    }
    assert.ok(Math.abs(got.ndcg - ndcgSum / groups.length) < 1e-12, `trial ${trial}: ndcg ${got.ndcg} vs ${ndcgSum / groups.length}`);
  }
});
