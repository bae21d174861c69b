/**
 * RedisLearnStore on a real redis-server: the LearnStore contract (file and memory stores pass the
 * same one), two replicas sharing one store, and Metarank's `state: {type: redis, ...}` selection.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { parseLearnConfig } from '../src/learn/config.js';
import { RedisLearnStore } from '../src/learn/redis-store.js';
import { learnStoreContract } from './helpers/learn-store-contract.js';
import { startRedis } from './helpers/redis.js';

const redis = await startRedis();
after(() => redis.stop());
let n = 0;
const at = (prefix: string) => RedisLearnStore.open({ type: 'redis', host: '127.0.0.1', port: redis.port, prefix });

learnStoreContract('RedisLearnStore', {
  open: () => at(`t${n++}:`),
  reopen: async (s) => {
    await s.close();
    return at((s as unknown as { prefix: string }).prefix);
  },
});

test('two replicas on one Redis: writes of one are read by the other, an event sent to both is kept once', async () => {
  const a = await at('shared:');
  const b = await at('shared:');
  try {
    await Promise.all([
      a.write([{ op: 'event', id: 'click-1', event: { id: 'click-1', from: 'a' } }, { op: 'set', ns: 'model', key: 'ltr', value: { trees: [1, 2] } }]),
      b.write([{ op: 'event', id: 'click-1', event: { id: 'click-1', from: 'b' } }, { op: 'event', id: 'click-2', event: { id: 'click-2', from: 'b' } }]),
    ]);
    const seen: { id: string }[] = [];
    for await (const e of a.events()) seen.push(e as { id: string });
    assert.deepEqual(seen.map((e) => e.id).sort(), ['click-1', 'click-2']); // click-1 once, whichever replica came first
    assert.deepEqual(await b.get('model', 'ltr'), { trees: [1, 2] });
    assert.deepEqual(await b.hasEvents(['click-1', 'click-2', 'click-3']), [true, true, false]);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a store written by another schema version, a bad state section and a dead Redis are refused by code', async () => {
  const { Redis } = await import('ioredis');
  const c = new Redis(redis.url);
  await c.set('old:schema', '0');
  c.disconnect();
  await assert.rejects(at('old:'), (e: any) => e.code === 'RERANK_STORE' && /schema version 0/.test(e.message));
  await assert.rejects(RedisLearnStore.open({ type: 'redis', port: 70000 }), (e: any) => e.code === 'RERANK_CONFIG' && /state\.port/.test(e.message));
  await assert.rejects(RedisLearnStore.open({ type: 'redis', host: '127.0.0.1', port: 1 }), (e: any) => e.code === 'RERANK_STORE');
});

test("Metarank's state: {type: redis, host, port, db} is a valid state section", () => {
  const config = parseLearnConfig({ state: { type: 'redis', host: 'redis', port: 6379, db: 2 } });
  assert.deepEqual(config.state, { type: 'redis', host: 'redis', port: 6379, db: 2, prefix: 'rerankit:learn:' });
  assert.throws(() => parseLearnConfig({ state: { type: 'redis', hots: 'x' } }), (e: any) => e.code === 'RERANK_CONFIG');
});

test('a model trained by one replica (Learner on state: redis) is served by another opened on the same Redis', async () => {
  const { Learner } = await import('../src/learn/learner.js');
  const config = parseLearnConfig({
    features: [{ name: 'price', type: 'number', scope: 'item', field: 'item.price' }],
    models: { default: { type: 'lambdamart', backend: { type: 'xgboost', iterations: 5, seed: 0, maxDepth: 3 }, weights: { click: 1 }, features: ['price'], split: 'time=80%' } },
    state: { type: 'redis', host: '127.0.0.1', port: redis.port, prefix: 'learner:' },
  });
  const a = await Learner.open(config);
  const t = 1_700_000_000_000;
  const items = ['a', 'b', 'c', 'd'];
  const evs: unknown[] = items.map((x, i) => ({ event: 'item', id: `i-${x}`, item: x, timestamp: String(t), fields: [{ name: 'price', value: [40, 30, 20, 10][i]! }] }));
  // Users always click the cheapest item (d, shown last).
  for (let r = 0; r < 30; r++) {
    evs.push({ event: 'ranking', id: `r${r}`, timestamp: String(t + r * 1000), user: 'u', session: 's', items: items.map((id) => ({ id })) });
    evs.push({ event: 'interaction', id: `c${r}`, ranking: `r${r}`, type: 'click', item: 'd', timestamp: String(t + r * 1000 + 10), user: 'u', session: 's' });
  }
  await a.feedback(evs);
  await a.train('default');
  const request = { items: items.map((id) => ({ id })) };
  const fromA = (await a.rank('default', request)).items.map((i) => i.item);
  assert.equal(fromA[0], 'd');
  const b = await Learner.open(config);
  try {
    assert.equal(await b.isTrained('default'), true);
    assert.deepEqual((await b.rank('default', request)).items.map((i) => i.item), fromA);
  } finally {
    await a.close();
    await b.close();
  }
});

test('running replicas share feedback and models without reopening (log tailed, model etag polled on rank)', async () => {
  const { Learner, MODEL_REFRESH_MS } = await import('../src/learn/learner.js');
  const config = parseLearnConfig({
    features: [{ name: 'price', type: 'number', scope: 'item', field: 'item.price' }],
    models: { default: { type: 'lambdamart', backend: { type: 'xgboost', iterations: 5, seed: 0, maxDepth: 3 }, weights: { click: 1 }, features: ['price'], split: 'time=80%' } },
    state: { type: 'redis', host: '127.0.0.1', port: redis.port, prefix: 'live:' },
  });
  const a = await Learner.open(config);
  const b = await Learner.open(config);
  const wait = () => new Promise((r) => setTimeout(r, MODEL_REFRESH_MS + 100));
  try {
    const t = 1_700_000_000_000;
    const items = ['a', 'b', 'c', 'd'];
    const request = { items: items.map((id) => ({ id })) };
    // Item prices reach replica A only; users always click the cheapest (d); half the sessions go to each replica.
    await a.feedback(items.map((x, i) => ({ event: 'item', id: `i-${x}`, item: x, timestamp: String(t), fields: [{ name: 'price', value: [40, 30, 20, 10][i]! }] })));
    for (let r = 0; r < 30; r++) {
      await (r % 2 ? b : a).feedback([
        { event: 'ranking', id: `r${r}`, timestamp: String(t + r * 1000), user: 'u', session: 's', ...request },
        { event: 'interaction', id: `c${r}`, ranking: `r${r}`, type: 'click', item: 'd', timestamp: String(t + r * 1000 + 10), user: 'u', session: 's' },
      ]);
    }
    // B, running, untrained: the request's order (cold start).
    assert.deepEqual((await b.rank('default', request)).items.map((i) => i.item), items);
    assert.equal(await b.isTrained('default'), false);
    await a.train('default');
    assert.equal(a.clickthroughs().length, 30); // A trained on B's sessions too
    const fromA = (await a.rank('default', request)).items.map((i) => i.item);
    assert.equal(fromA[0], 'd');
    await wait();
    const onB = await b.rank('default', request, { explain: true });
    assert.deepEqual(onB.items.map((i) => i.item), fromA);
    assert.equal(onB.items[0]!.features!.price, 10); // the item event sent to A, seen by B
    assert.equal(await b.isTrained('default'), true);
    // A retrain on A (a new model version) reaches B the same way.
    const first = onB.items.find((i) => i.item === 'd')!.score;
    await b.feedback([{ event: 'ranking', id: 'r-late', timestamp: String(t + 99_000), user: 'u', session: 's', ...request }, { event: 'interaction', id: 'c-late', ranking: 'r-late', type: 'click', item: 'a', timestamp: String(t + 99_010), user: 'u', session: 's' }]);
    await a.train('default');
    assert.equal(a.clickthroughs().length, 31);
    const scoreA = (await a.rank('default', request)).items.find((i) => i.item === 'd')!.score;
    assert.notEqual(scoreA, first);
    await wait();
    assert.equal((await b.rank('default', request)).items.find((i) => i.item === 'd')!.score, scoreA);
  } finally {
    await a.close();
    await b.close();
  }
});
