import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { RerankError } from '../src/errors.js';
import { parseTimestamp, readEventFile } from '../src/learn/events.js';
import { MemoryLearnStore } from '../src/learn/file-store.js';
import { Learner, parseLearnConfig } from '../src/learn/learner.js';

const root = mkdtempSync(join(tmpdir(), 'learn-core-'));
after(() => rmSync(root, { recursive: true, force: true }));

const isErr = (code: string, re: RegExp) => (e: unknown) => e instanceof RerankError && e.code === code && re.test(e.message);

const sections = {
  features: [
    { name: 'price', type: 'number', scope: 'item', field: 'item.price' },
    { name: 'relevancy', type: 'number', scope: 'item', field: 'item.relevancy' },
    { name: 'clicks', type: 'interaction_count', scope: 'item', interaction: 'click' },
  ],
  models: {
    default: { type: 'lambdamart', backend: { type: 'xgboost', iterations: 5, seed: 0, maxDepth: 3 }, weights: { click: 1 }, features: ['price', 'relevancy', 'clicks'], split: 'time=80%' },
    base: { type: 'noop' },
  },
  state: { type: 'memory' },
};
const config = parseLearnConfig(sections);
const items = ['a', 'b', 'c', 'd'];
const ranking = (id: string, ts: number, order = items) => ({ event: 'ranking', id, timestamp: String(ts), user: 'u', session: 's', items: order.map((x, i) => ({ id: x, relevancy: 4 - i })) });
const click = (id: string, r: string, item: string, ts: number) => ({ event: 'interaction', id, ranking: r, type: 'click', item, timestamp: String(ts), user: 'u', session: 's' });

test('timestamps: millis as a string, ISO 8601 with a zone, millis as a number; anything else refused', () => {
  assert.equal(parseTimestamp('1599391467000'), 1599391467000);
  assert.equal(parseTimestamp('2022-06-22T11:21:39Z'), Date.UTC(2022, 5, 22, 11, 21, 39));
  assert.equal(parseTimestamp('2021-12-03T10:15:30+01:00'), Date.UTC(2021, 11, 3, 9, 15, 30));
  assert.equal(parseTimestamp(1599391467000), 1599391467000);
  for (const bad of ['2022-06-22 11:21', '2022-06-22T11:21:39', 'yesterday', '', -5, null]) assert.equal(parseTimestamp(bad), undefined, String(bad));
});

test('a bad event is RERANK_BAD_EVENT naming its index and field, and nothing of the batch is applied', async () => {
  const l = await Learner.open(config, { store: new MemoryLearnStore() });
  const good = { event: 'item', id: 'i1', item: 'a', timestamp: '1', fields: [{ name: 'price', value: 5 }] };
  await assert.rejects(l.feedback([good, { event: 'item', id: 'i2', item: 'b', timestamp: 'soon' }]), isErr('RERANK_BAD_EVENT', /^event 1: field "timestamp"/));
  await assert.rejects(l.feedback([good, good, { event: 'ranking', id: 'r', timestamp: '1', items: [] }]), isErr('RERANK_BAD_EVENT', /^event 2: field "items"/));
  await assert.rejects(l.feedback([{ event: 'click', id: 'x', timestamp: '1' }]), isErr('RERANK_BAD_EVENT', /^event 0: field "event"/));
  await assert.rejects(l.feedback([{ event: 'interaction', id: 'x', timestamp: '1', item: 'a' }]), isErr('RERANK_BAD_EVENT', /^event 0: field "type"/));
  await assert.rejects(l.feedback([{ event: 'item', id: 'x', timestamp: '1', item: 'a', fields: [{ name: 'p', value: { nested: 1 } }] }]), isErr('RERANK_BAD_EVENT', /^event 0: field "fields\.0\.value"/));
  await assert.rejects(l.feedback([{ event: 'user', id: 'x', timestamp: '1', user: 'u', colour: 'red' }]), isErr('RERANK_BAD_EVENT', /^event 0: unknown field "colour"/));
  const evs: unknown[] = [];
  for await (const e of l.store.events()) evs.push(e);
  assert.deepEqual(evs, []);
  const out = await l.rank('default', { items: [{ id: 'a' }] }, { explain: true });
  assert.equal(out.items[0]!.features!.price, null, 'the good item event of the refused batch was not applied');
});

test('events are deduplicated by id; interactions before their ranking are joined when it arrives, within core.clickthrough', async () => {
  const l = await Learner.open(parseLearnConfig({ ...sections, core: { clickthrough: { maxSessionLength: '10m' } } }), { store: new MemoryLearnStore() });
  const t = 1_700_000_000_000;
  const first = await l.feedback([click('c1', 'r1', 'c', t + 1000), click('c1', 'r1', 'c', t + 1000)]);
  assert.equal(first.accepted, 2);
  assert.equal(l.clickthroughs().length, 0);
  await l.feedback([ranking('r1', t), ranking('r1', t)]);
  await l.feedback([click('late', 'r1', 'd', t + 11 * 60_000)]); // outside the 10m window
  const [ct] = l.clickthroughs();
  assert.deepEqual(ct!.interactions.map((i) => [i.id, i.item]), [['c1', 'c']]);
  // Metarank's impressions: items above (and at) the last click were examined.
  assert.equal(ct!.examined, 3);
  const again = await l.feedback([click('c1', 'r1', 'c', t + 1000)]);
  assert.equal(again.updated, 0);
  assert.equal(l.clickthroughs()[0]!.interactions.length, 1);
});

test('cold start: request order, or by relevancy; rank records nothing; noop keeps the order', async () => {
  const l = await Learner.open(config, { store: new MemoryLearnStore() });
  assert.equal(await l.isTrained('default'), false);
  const plain = await l.rank('default', { items: [{ id: 'x' }, { id: 'y' }, { id: 'z' }] });
  assert.deepEqual(plain.items.map((i) => i.item), ['x', 'y', 'z']);
  const rel = await l.rank('default', { items: [{ id: 'x', fields: [{ name: 'relevancy', value: 1 }] }, { id: 'y', fields: [{ name: 'relevancy', value: 3 }] }, { id: 'z', fields: [{ name: 'relevancy', value: 2 }] }] });
  assert.deepEqual(rel.items.map((i) => i.item), ['y', 'z', 'x']);
  assert.deepEqual((await l.rank('base', { items: [{ id: 'y' }, { id: 'x' }] })).items.map((i) => i.item), ['y', 'x']);
  const evs: unknown[] = [];
  for await (const e of l.store.events()) evs.push(e);
  assert.equal(evs.length, 0);
  await assert.rejects(l.rank('nope', { items: [{ id: 'x' }] }), isErr('RERANK_MODEL_NOT_FOUND', /nope/));
  await assert.rejects(l.train('default'), isErr('RERANK_BAD_INPUT', /no click-throughs/));
});

test('features computed when a ranking arrives equal those /rank computes for the same request and state', async () => {
  const l = await Learner.open(config, { store: new MemoryLearnStore() });
  const t = 1_700_000_000_000;
  await l.feedback([{ event: 'item', id: 'ia', item: 'a', timestamp: String(t), fields: [{ name: 'price', value: 10 }] }, ranking('r0', t), click('k0', 'r0', 'b', t + 5)]);
  const req = ranking('r1', t + 100, ['d', 'b', 'a', 'c']);
  const { event: _kind, ...request } = req;
  const ranked = await l.rank('default', request, { explain: true });
  await l.feedback([req]);
  const ct = l.clickthroughs().find((c) => c.id === 'r1')!;
  for (const r of ranked.items) {
    const stored = ct.values[ct.items.indexOf(r.item)]!;
    assert.deepEqual(ct.columns.map((c, j) => [c, stored[j]]), Object.entries(r.features!), r.item);
  }
  assert.deepEqual(ranked.items.find((i) => i.item === 'b')!.features, { price: null, relevancy: 3, clicks: 1 });
});

test('training: Metarank report, the trained model ranks by what was clicked, and all of it survives a restart', async () => {
  const dir = join(root, 'state');
  const persistent = parseLearnConfig({ ...sections, state: { type: 'file', path: dir } });
  const l = await Learner.open(persistent);
  const t = 1_700_000_000_000;
  const evs: unknown[] = items.map((x, i) => ({ event: 'item', id: `i-${x}`, item: x, timestamp: String(t), fields: [{ name: 'price', value: [40, 30, 20, 10][i]! } ] }));
  // Users always click the cheapest item (d, shown last).
  for (let r = 0; r < 40; r++) evs.push(ranking(`r${r}`, t + r * 1000), click(`c${r}`, `r${r}`, 'd', t + r * 1000 + 10));
  await l.feedback(evs);
  const report = await l.train('default');
  assert.deepEqual(report.features.map((f) => f.name), ['price', 'relevancy', 'clicks']);
  assert.equal(report.iterations.length, 5);
  for (const it of report.iterations) for (const k of ['id', 'millis', 'trainMetric', 'testMetric'] as const) assert.equal(typeof it[k], 'number');
  assert.ok(report.sizeBytes > 0);
  assert.ok(report.iterations.at(-1)!.testMetric > 0.99, `test NDCG ${report.iterations.at(-1)!.testMetric}`);
  const req = { user: 'u', items: items.map((x) => ({ id: x, relevancy: 1 })) };
  const before = (await l.rank('default', req)).items;
  assert.equal(before[0]!.item, 'd');
  await l.close();
  const again = await Learner.open(persistent);
  assert.equal(await again.isTrained('default'), true);
  assert.deepEqual((await again.rank('default', req)).items, before);
  assert.equal(again.clickthroughs().length, 40);
  const out = await again.rank('default', req, { explain: true });
  assert.equal(out.items.find((i) => i.item === 'd')!.features!.clicks, 40, 'counters rebuilt from the stored events');
  await again.close();
});

test('events files: JSON lines, a JSON array, gzip', async () => {
  const lines = [ranking('r1', 1), click('c1', 'r1', 'a', 2)].map((e) => JSON.stringify(e)).join('\n');
  writeFileSync(join(root, 'e.jsonl'), `${lines}\n\n`);
  writeFileSync(join(root, 'e.json'), JSON.stringify([ranking('r1', 1)]));
  writeFileSync(join(root, 'e.jsonl.gz'), gzipSync(lines));
  assert.equal((await readEventFile(join(root, 'e.jsonl'))).length, 2);
  assert.equal((await readEventFile(join(root, 'e.json'))).length, 1);
  assert.deepEqual(await readEventFile(join(root, 'e.jsonl.gz')), await readEventFile(join(root, 'e.jsonl')));
  writeFileSync(join(root, 'bad.jsonl'), `${lines}\n{oops\n`);
  await assert.rejects(readEventFile(join(root, 'bad.jsonl')), isErr('RERANK_BAD_EVENT', /line 3/));
});

test('config: unknown extractor type, unknown option, bad model type, unknown feature → RERANK_CONFIG naming the key', () => {
  const bad = (s: object, re: RegExp) => assert.throws(() => parseLearnConfig(s as never), isErr('RERANK_CONFIG', re));
  bad({ features: [{ name: 'x', type: 'magic' }] }, /features\[0\] \(x\)\.type: unknown feature type "magic"/);
  bad({ features: [{ name: 'x', type: 'number', field: 'item.p', colour: 1 }] }, /features\[0\] \(x\): unknown option "colour"/);
  bad({ features: [{ name: 'x', type: 'number', field: 'price' }] }, /features\[0\] \(x\): field "price" must be item/);
  bad({ features: [{ name: 'x', type: 'referer', source: 'ranking.referer' }] }, /referer.*not supported/);
  bad({ models: { m: { type: 'als' } } }, /models\.m\.type: "als"/);
  bad({ models: { m: { type: 'lambdamart', backend: { type: 'catboost' }, weights: { click: 1 }, features: [] } } }, /models\.m\.backend\.type/);
  bad({ models: { m: { type: 'lambdamart', backend: { type: 'xgboost', trees: 5 }, weights: { click: 1 }, features: ['a'] } } }, /models\.m\.backend: unknown option "trees"/);
  bad({ features: [], models: { m: { type: 'lambdamart', backend: { type: 'lightgbm' }, weights: { click: 1 }, features: ['nope'] } } }, /models\.m\.features: "nope" is not defined/);
  bad({ core: { clickthrough: { maxSessionLength: 'forever' } } }, /core\.clickthrough\.maxSessionLength/);
  // The older `source:` spelling, and `field: x` + `source: item`, both read item.price.
  const c = parseLearnConfig({ features: [{ name: 'a', type: 'number', source: 'item.price' }, { name: 'b', type: 'number', field: 'price', source: 'item' }] });
  assert.equal(c.features.length, 2);
});

test('core.clickthrough: impressions all / above_last_click, and maxParallelSessions bounds waiting interactions', async () => {
  const ctr = { name: 'ctr', type: 'rate', top: 'click', bottom: 'impression', bucket: '24h', periods: [30] };
  const rateOf = async (impressions: string) => {
    const l = await Learner.open(parseLearnConfig({ features: [ctr], models: { m: { type: 'noop' } }, core: { clickthrough: { impressions } }, state: { type: 'memory' } }), { store: new MemoryLearnStore() });
    await l.feedback([ranking('r1', 1000), click('c1', 'r1', 'b', 1001)]);
    const out = await l.rank('m', { timestamp: '2000', items: items.map((id) => ({ id })) }, { explain: true });
    return Object.fromEntries(out.items.map((i) => [i.item, i.features!.ctr_30]));
  };
  assert.deepEqual(await rateOf('above_last_click'), { a: 0, b: 1, c: null, d: null });
  assert.deepEqual(await rateOf('all'), { a: 0, b: 1, c: 0, d: 0 });
  assert.deepEqual(await rateOf('clicked'), { a: null, b: 1, c: null, d: null });

  const l = await Learner.open(parseLearnConfig({ ...sections, core: { clickthrough: { maxParallelSessions: 2 } } }), { store: new MemoryLearnStore() });
  await l.feedback([click('x1', 'w1', 'a', 10), click('x2', 'w2', 'a', 10), click('x3', 'w3', 'a', 10)]);
  await l.feedback([ranking('w1', 5), ranking('w2', 5), ranking('w3', 5)]);
  const joined = Object.fromEntries(l.clickthroughs().map((c) => [c.id, c.interactions.length]));
  assert.deepEqual(joined, { w1: 0, w2: 1, w3: 1 }, 'the oldest waiting ranking was dropped');
});

test('labels from interaction weights (the highest per item) and Metarank split strategies', async () => {
  const mk = (split: string) => parseLearnConfig({ ...sections, models: { m: { type: 'lambdamart', backend: { type: 'lightgbm', numLeaves: 16 }, weights: { click: 1, purchase: 3 }, features: ['price'], split } } });
  const evs: unknown[] = [];
  for (let r = 0; r < 10; r++) {
    evs.push({ ...ranking(`r${r}`, r * 1000), session: `s${r % 2}` }, click(`c${r}`, `r${r}`, 'a', r * 1000 + 1), click(`k${r}`, `r${r}`, 'b', r * 1000 + 2));
    evs.push({ ...click(`p${r}`, `r${r}`, 'b', r * 1000 + 3), type: 'purchase' });
  }
  const counts: Record<string, [number, number]> = {};
  for (const split of ['time=80%', 'random=50%', 'hold_last=60%']) {
    const l = await Learner.open(mk(split), { store: new MemoryLearnStore() });
    await l.feedback(evs);
    const m = l.config.models.m!;
    const d = l.dataset(m as Parameters<typeof l.dataset>[0]);
    assert.deepEqual(d.train[0]!.y, [1, 3, 0, 0], split);
    counts[split] = [d.train.length, d.test.length];
  }
  assert.deepEqual(counts['time=80%'], [8, 2]);
  assert.deepEqual(counts['hold_last=60%'], [6, 4], 'each of 2 sessions keeps its first 3 of 5 rankings for training');
  assert.equal(counts['random=50%']![0] + counts['random=50%']![1], 10);
  assert.ok(counts['random=50%']![0] > 0 && counts['random=50%']![1] > 0);
});
