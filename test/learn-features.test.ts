import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLearnStore } from '../src/learn/file-store.js';
import { Learner, parseLearnConfig } from '../src/learn/learner.js';

const DAY = 86_400_000;
const T = Date.UTC(2024, 0, 10, 12); // a Wednesday
const iso = (ms: number): string => new Date(ms).toISOString();

/** A learner with one feature set and no model beyond noop; `explain` shows each column. */
async function learner(features: unknown[], events: unknown[], scorer?: (m: string, q: string, t: string[]) => Promise<number[]>) {
  const l = await Learner.open(parseLearnConfig({ features, models: { m: { type: 'noop' } }, state: { type: 'memory' } }), { store: new MemoryLearnStore(), ...(scorer ? { scorer } : {}) });
  await l.feedback(events);
  return async (request: object) => Object.fromEntries((await l.rank('m', { timestamp: String(T), ...request }, { explain: true })).items.map((i) => [i.item, i.features!]));
}

const item = (id: string, fields: [string, unknown][], ts = T - 10 * DAY) => ({ event: 'item', id: `item-${id}-${ts}`, item: id, timestamp: String(ts), fields: fields.map(([name, value]) => ({ name, value })) });
const rank = (id: string, ts: number, ids: string[], extra: object = {}) => ({ event: 'ranking', id, timestamp: String(ts), items: ids.map((x) => ({ id: x })), ...extra });
const act = (id: string, r: string | undefined, type: string, it: string, ts: number, extra: object = {}) => ({ event: 'interaction', id, ...(r ? { ranking: r } : {}), type, item: it, timestamp: String(ts), ...extra });

test('number / boolean / string (index, onehot) / list_size / word_count / vector from item, ranking, user and interaction scopes', async () => {
  const f = await learner([
    { name: 'price', type: 'number', scope: 'item', field: 'item.price' },
    { name: 'price_old', type: 'number', scope: 'item', source: 'item.price' },
    { name: 'stock', type: 'boolean', scope: 'item', field: 'item.stock' },
    { name: 'color', type: 'string', scope: 'item', field: 'item.color', values: ['red', 'green', 'blue'] },
    { name: 'tags', type: 'string', scope: 'item', field: 'item.tags', values: ['a', 'b'], encode: 'onehot' },
    { name: 'ntags', type: 'list_size', field: 'tags', source: 'item' },
    { name: 'words', type: 'word_count', scope: 'item', field: 'item.title' },
    { name: 'sizes', type: 'vector', scope: 'item', field: 'item.sizes', reduce: ['min', 'max', 'avg', 'vector2'] },
    { name: 'banner', type: 'boolean', scope: 'item', field: 'ranking.banner' },
    { name: 'age', type: 'number', scope: 'user', field: 'user.age' },
    { name: 'rating', type: 'number', scope: 'item', field: 'interaction.rating' },
  ], [
    item('x', [['price', 5], ['stock', true], ['color', 'green'], ['tags', ['b', 'a']], ['title', 'Red wool socks'], ['sizes', [3, 9, 6]]]),
    item('x', [['price', 7]], T - DAY), // a later update replaces the field, keeps the others
    item('y', [['stock', false], ['color', 'purple']]),
    { event: 'user', id: 'u1', user: 'u', timestamp: String(T - DAY), fields: [{ name: 'age', value: 33 }] },
    act('rt', undefined, 'rate', 'y', T - DAY, { user: 'u', fields: [{ name: 'rating', value: 4 }] }),
  ]);
  const out = await f({ user: 'u', fields: [{ name: 'banner', value: true }], items: [{ id: 'x' }, { id: 'y' }, { id: 'z', fields: [{ name: 'price', value: 1 }] }] });
  assert.deepEqual(out.x, { price: 7, price_old: 7, stock: 1, color: 2, tags_a: 1, tags_b: 1, ntags: 2, words: 3, sizes_min: 3, sizes_max: 9, sizes_avg: 6, sizes_vector0: 3, sizes_vector1: 9, banner: 1, age: 33, rating: null });
  assert.deepEqual(out.y, { price: null, price_old: null, stock: 0, color: 0, tags_a: 0, tags_b: 0, ntags: null, words: null, sizes_min: null, sizes_max: null, sizes_avg: null, sizes_vector0: 0, sizes_vector1: 0, banner: 1, age: 33, rating: 4 });
  assert.equal(out.z!.price, 1, 'a per-item field of the ranking request');
});

test('relevancy, position (constant at rank time), item_age, local_time, ua', async () => {
  const f = await learner([
    { name: 'rel', type: 'relevancy' },
    { name: 'pos', type: 'position', position: 5 },
    { name: 'age', type: 'item_age', source: 'item.created' },
    { name: 'age_ts', type: 'item_age', source: 'item.timestamp' },
    { name: 'hour', type: 'local_time', parse: 'time_of_day', source: 'ranking.localts' },
    { name: 'dow', type: 'local_time', parse: 'day_of_week' },
    { name: 'os', type: 'ua', source: 'ranking.ua', field: 'os' },
  ], [item('x', [['created', iso(T - 2 * DAY)]], T - 3 * DAY)]);
  const ua = 'Mozilla/5.0 (Linux; Android 10; LM-Q720) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.48 Mobile Safari/537.36';
  const out = await f({ fields: [{ name: 'localts', value: '2021-12-03T10:15:30+01:00' }, { name: 'ua', value: ua }], items: [{ id: 'x', relevancy: 2.5 }, { id: 'y' }] });
  assert.equal(out.x!.rel, 2.5);
  assert.equal(out.y!.rel, null);
  assert.equal(out.x!.pos, 5);
  assert.equal(out.y!.pos, 5);
  assert.equal(out.x!.age, 2 * 86400);
  assert.equal(out.x!.age_ts, 3 * 86400);
  assert.equal(out.x!.hour, 10.2583333333333333);
  assert.equal(out.x!.dow, 3);
  assert.deepEqual([out.x!.os_android, out.x!.os_ios, out.x!.os_linux], [1, 0, 0]);
});

test('interaction_count, window_count, rate (with impressions above the last click, normalize, ranking.<field> scope)', async () => {
  const evs: unknown[] = [];
  // 3 days ago: ranking [a, b, c], click on b → impressions a, b. 20 days ago: ranking [c, a], click on a → c, a.
  evs.push(rank('r1', T - 3 * DAY, ['a', 'b', 'c'], { fields: [{ name: 'query', value: 'q1' }] }), act('k1', 'r1', 'click', 'b', T - 3 * DAY + 5, { user: 'u' }));
  evs.push(rank('r2', T - 20 * DAY, ['c', 'a'], { fields: [{ name: 'query', value: 'q2' }] }), act('k2', 'r2', 'click', 'a', T - 20 * DAY + 5, { user: 'u' }));
  evs.push(act('k3', undefined, 'click', 'a', T - 1 * DAY, { user: 'v' }));
  const f = await learner([
    { name: 'clicks', type: 'interaction_count', scope: 'item', interaction: 'click' },
    { name: 'user_clicks', type: 'interaction_count', scope: 'user', interaction: 'click' },
    { name: 'win', type: 'window_count', scope: 'item', interaction: 'click', bucket_size: '24h', windows: [7, 30] },
    { name: 'ctr', type: 'rate', top: 'click', bottom: 'impression', bucket: '24h', periods: [7, 30] },
    { name: 'nctr', type: 'rate', top: 'click', bottom: 'impression', bucket: '24h', periods: [30], normalize: { weight: 10 } },
    { name: 'qctr', type: 'rate', top: 'click', bottom: 'impression', bucket: '1d', periods: [30], scope: 'ranking.query' },
  ], evs);
  const out = await f({ user: 'u', fields: [{ name: 'query', value: 'q1' }], items: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
  assert.equal(out.a!.clicks, 2);
  assert.equal(out.b!.clicks, 1);
  assert.equal(out.a!.user_clicks, 2);
  assert.deepEqual([out.a!.win_7, out.a!.win_30], [1, 2]);
  // a: 7 days: 0 clicks in joined rankings... clicks count any click (k3 too): 1 click / 1 impression; 30 days: 2 clicks / 2 impressions.
  assert.deepEqual([out.a!.ctr_7, out.a!.ctr_30], [1, 1]);
  assert.deepEqual([out.b!.ctr_7, out.b!.ctr_30], [1, 1]);
  assert.deepEqual([out.c!.ctr_7, out.c!.ctr_30], [null, 0]);
  // Global 30 days: clicks 3, impressions 4; a: (10 + 2) / (10 + 2 + 10·(4 − 3)/3).
  assert.equal(out.a!.nctr_30, 12 / (12 + 10 / 3));
  // Per query q1: a was shown (impression) but not clicked for q1; b clicked once in one impression.
  assert.deepEqual([out.a!.qctr_30, out.b!.qctr_30, out.c!.qctr_30], [0, 1, null]);
});

test('interacted_with (user affinity for item field values) and field_match (ngram, term)', async () => {
  const f = await learner([
    { name: 'liked', type: 'interacted_with', interaction: 'click', field: ['item.color', 'item.brand'], scope: 'user' },
    { name: 'ng', type: 'field_match', rankingField: 'ranking.query', itemField: 'item.title', method: { type: 'ngram', n: 3 } },
    { name: 'tm', type: 'field_match', rankingField: 'ranking.query', itemField: 'item.title', method: { type: 'term', language: 'en' } },
  ], [
    item('p', [['color', 'red'], ['brand', 'acme'], ['title', 'red socks']]),
    item('q', [['color', 'red'], ['brand', 'zeta'], ['title', 'blue socks']]),
    item('r', [['color', 'blue'], ['brand', 'acme'], ['title', 'green hat']]),
    item('s', [['color', 'pink'], ['title', 'socks']]),
    act('c1', undefined, 'click', 'p', T - DAY, { user: 'u' }),
  ]);
  const out = await f({ user: 'u', fields: [{ name: 'query', value: 'red sock' }], items: ['p', 'q', 'r', 's'].map((id) => ({ id })) });
  assert.deepEqual(['p', 'q', 'r', 's'].map((x) => out[x]!.liked), [2, 1, 1, 0]);
  // terms {red, sock} vs {red, socks}: 1 / 3; ngrams {red, soc, ock} vs {red, soc, ock, cks}: 3 / 4.
  assert.equal(out.p!.tm, 1 / 3);
  assert.equal(out.p!.ng, 3 / 4);
  assert.equal(out.r!.ng, 0);
  const anon = await f({ fields: [{ name: 'query', value: 'red sock' }], items: [{ id: 'p' }] });
  assert.equal(anon.p!.liked, 0);
});

test('interacted_with measure: interactions / share carry a preference that Metarank\'s values count loses', async () => {
  const kinds = ['values', 'interactions', 'share'] as const;
  // u clicked three topic-a items and one topic-b item; v never clicked.
  const f = await learner(kinds.map((m) => ({ name: m, type: 'interacted_with', interaction: 'click', field: 'item.topic', scope: 'user', measure: m })), [
    item('a1', [['topic', 'a']]), item('a2', [['topic', 'a']]), item('a3', [['topic', 'a']]),
    item('b1', [['topic', 'b']]), item('c1', [['topic', 'c']]),
    act('k1', undefined, 'click', 'a1', T - 4 * DAY, { user: 'u' }),
    act('k2', undefined, 'click', 'a2', T - 3 * DAY, { user: 'u' }),
    act('k3', undefined, 'click', 'a1', T - 2 * DAY, { user: 'u' }),
    act('k4', undefined, 'click', 'b1', T - DAY, { user: 'u' }),
    act('k5', undefined, 'view', 'b1', T - DAY, { user: 'u' }), // another interaction type: not counted
  ]);
  const out = await f({ user: 'u', items: ['a3', 'b1', 'c1'].map((id) => ({ id })) });
  assert.deepEqual(['a3', 'b1', 'c1'].map((x) => out[x]!.values), [1, 1, 0]); // both topics "seen": no preference
  assert.deepEqual(['a3', 'b1', 'c1'].map((x) => out[x]!.interactions), [3, 1, 0]);
  assert.deepEqual(['a3', 'b1', 'c1'].map((x) => out[x]!.share), [0.75, 0.25, 0]);
  const fresh = await f({ user: 'v', items: [{ id: 'a3' }] });
  assert.deepEqual([fresh.a3!.values, fresh.a3!.interactions, fresh.a3!.share], [0, 0, 0]);
});

test('type: reranker scores query against an item text field through the injected scorer', async () => {
  const calls: [string, string, string[]][] = [];
  const scorer = async (model: string, q: string, texts: string[]) => { calls.push([model, q, texts]); return texts.map((t) => t.length / 10); };
  const f = await learner([{ name: 'ce', type: 'reranker', model: 'minilm', itemField: 'item.title' }], [item('a', [['title', 'socks']]), item('b', [['title', 'red wool socks']])], scorer);
  const out = await f({ fields: [{ name: 'query', value: 'sock' }], items: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
  assert.deepEqual(calls, [['minilm', 'sock', ['socks', 'red wool socks']]]);
  assert.deepEqual([out.a!.ce, out.b!.ce, out.c!.ce], [0.5, 1.4, null]);
});

test('a stored ranking keeps the reranker scores it was ranked with (training sees what /rank saw)', async () => {
  const scorer = async (_m: string, q: string, texts: string[]) => texts.map((t) => (t.includes(q) ? 0.9 : 0.1));
  const l = await Learner.open(parseLearnConfig({ features: [{ name: 'ce', type: 'reranker', model: 'm', itemField: 'item.title' }, { name: 'pos', type: 'position', position: 3 }], models: { m: { type: 'noop' } }, state: { type: 'memory' } }), { store: new MemoryLearnStore(), scorer });
  await l.feedback([item('a', [['title', 'red socks']]), item('b', [['title', 'hat']])]);
  const req = { id: 'r1', timestamp: String(T), fields: [{ name: 'query', value: 'socks' }], items: [{ id: 'b' }, { id: 'a' }] };
  const ranked = await l.rank('m', req, { explain: true });
  await l.feedback([{ event: 'ranking', ...req }]);
  const ct = l.clickthroughs()[0]!;
  for (const r of ranked.items) assert.equal(ct.values[ct.items.indexOf(r.item)]![0], r.features!.ce);
  // position is the one deliberate difference: displayed position when stored, the constant at rank time.
  assert.deepEqual(ct.values.map((v) => v[1]), [0, 1]);
  assert.deepEqual(ranked.items.map((r) => r.features!.pos), [3, 3]);
});
