/**
 * The Metarank learning API on `rerankit serve`, over real HTTP, from a Metarank-style config file:
 * /feedback (one event, arrays, JSON lines, errors naming the event), /rank cold start and after
 * /train, the traffic split and team-draft interleaving with GET /experiments, persistence of the
 * experiments across a restart, and the CLI report.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildServer } from '../src/server/app.js';
import { resolveSettings } from '../src/server/config.js';
import { DEFAULTS } from '../src/server/settings.js';
import type { RunningServer } from '../src/server/start.js';
import { BERT, call, serve } from './server-helpers.js';
import { CrossEncoder } from '../src/backends/onnx/cross-encoder.js';

const run = promisify(execFile);

const config = (state: string) => `
state:
  type: file
  path: ${state}
core:
  clickthrough:
    maxSessionLength: 30m
features:
  - name: relevancy
    type: number
    field: item.relevancy
  - name: ctr
    type: rate
    top: click
    bottom: impression
    scope: item
    bucket: 24h
    periods: [30]
    normalize:
      weight: 2
  - name: ce
    type: reranker
    model: ce
    queryField: ranking.query
    itemField: item.title
models:
  ce:
    kind: cross-encoder
    model: ${BERT}
  ltr:
    type: lambdamart
    backend:
      type: xgboost
      iterations: 20
      seed: 0
      maxDepth: 3
    weights:
      click: 1
    features: [relevancy, ctr]
  base:
    type: noop
experiments:
  ab:
    variants: {ltr: 1, base: 1}
    by: user
  il:
    interleave: [ltr, base]
    by: session
`;

const items = ['i1', 'i2', 'i3', 'i4', 'i5', 'i6'];
const rankRequest = (id: string, user: string, relevancy?: number[]) => ({
  id, timestamp: 1_700_000_000_000, user, session: `${user}-s`,
  fields: [{ name: 'query', value: 'q' }],
  items: items.map((item, i) => ({ id: item, ...(relevancy ? { fields: [{ name: 'relevancy', value: relevancy[i] }] } : {}) })),
});
const rankingEvent = (id: string, user: string, order: string[], ts: number) => ({
  event: 'ranking', id, timestamp: ts, user, session: `${user}-s`, fields: [{ name: 'query', value: 'q' }],
  items: order.map((item) => ({ id: item, fields: [{ name: 'relevancy', value: 6 - items.indexOf(item) }] })),
});
const click = (ranking: string, user: string, item: string, ts: number) => ({ event: 'interaction', id: `${ranking}-${item}`, ranking, timestamp: ts, user, session: `${user}-s`, type: 'click', item });

describe('learn server: the Metarank API', () => {
  let dir: string;
  let file: string;
  let server: RunningServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rerankit-learn-'));
    file = join(dir, 'metarank.yaml');
    await writeFile(file, config(join(dir, 'state')));
    server = await serve({ config: file });
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the rerankers of the models map, and no default cross-encoder', async () => {
    assert.equal((await call(server.url, '/ready')).status, 200);
    assert.deepEqual(server.pool.list().map((m) => m.name), ['ce']);
    const wrong = await call(server.url, '/feedback');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'POST');
  });

  it('takes one event, an array and JSON lines, answering Metarank\'s shape', async () => {
    const one = await call(server.url, '/feedback', { event: 'item', id: 'e-i1', item: 'i1', timestamp: '2023-01-01T00:00:00Z', fields: [{ name: 'color', value: 'red' }] });
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(Object.keys(one.body).sort(), ['accepted', 'status', 'tookMillis', 'updated']);
    assert.equal(one.body.accepted, 1);
    assert.equal(one.body.status, 'ok');
    const arr = await call(server.url, '/feedback', [{ event: 'item', id: 'e-i2', item: 'i2', timestamp: 1_700_000_000_000, fields: [] }, { event: 'user', id: 'e-u1', user: 'u1', timestamp: 1_700_000_000_000, fields: [] }]);
    assert.equal(arr.body.accepted, 2, arr.text);
    const lines = `${JSON.stringify({ event: 'item', id: 'e-i3', item: 'i3', timestamp: 1_700_000_000_000, fields: [] })}\n${JSON.stringify({ event: 'item', id: 'e-i4', item: 'i4', timestamp: 1_700_000_000_000, fields: [] })}\n`;
    const jl = await call(server.url, '/feedback', lines, { 'content-type': 'application/x-ndjson' });
    assert.equal(jl.body.accepted, 2, jl.text);
  });

  it('answers a bad event 400 naming its index and field, and applies none of the batch', async () => {
    const bad = await call(server.url, '/feedback', [
      { event: 'item', id: 'e-ok', item: 'i5', timestamp: 1_700_000_000_000, fields: [] },
      { event: 'item', id: 'e-bad', item: 'i6', timestamp: 'yesterday-ish', fields: [] },
    ]);
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.body.error, /event 1\b.*timestamp/);
    assert.equal(typeof bad.body.code, 'string');
    const again = await call(server.url, '/feedback', { event: 'item', id: 'e-ok', item: 'i5', timestamp: 1_700_000_000_000, fields: [] });
    assert.equal(again.body.accepted, 1, 'the good event of the refused batch was not stored');
    const notJson = await call(server.url, '/feedback', '{"event": "item",\nnope', { 'content-type': 'application/json' });
    assert.equal(notJson.status, 400);
  });

  it('ranks before training in request order, or by relevancy; never an error', async () => {
    const plain = await call(server.url, '/rank/ltr', rankRequest('cold-1', 'u1'));
    assert.equal(plain.status, 200, plain.text);
    assert.deepEqual(plain.body.items.map((i: any) => i.item), items);
    assert.equal(typeof plain.body.took, 'number');
    assert.equal(plain.headers.get('x-rerankit-variant'), 'ltr');
    const byRel = await call(server.url, '/rank/ltr?explain=true', rankRequest('cold-2', 'u1', [1, 5, 3, 6, 2, 4]));
    assert.deepEqual(byRel.body.items.map((i: any) => i.item), ['i4', 'i2', 'i6', 'i3', 'i5', 'i1']);
    assert.ok(byRel.body.items.every((i: any) => i.features !== undefined), 'explain=true returns feature values');
    const missing = await call(server.url, '/rank/nope', rankRequest('x', 'u1'));
    assert.equal(missing.status, 404);
    assert.match(missing.body.error, /nope/);
  });

  it('scores a `type: reranker` feature through the served model\'s batched path', async () => {
    const titles = ['wing flutter at supersonic speed', 'heat transfer in slabs'];
    await call(server.url, '/feedback', titles.map((t, i) => ({ event: 'item', id: `t-${i}`, item: `doc${i}`, timestamp: 1_700_000_000_000, fields: [{ name: 'title', value: t }] })));
    const before = server.pool.get('ce').cacheEntries;
    const r = await call(server.url, '/rank/ltr?explain=true', { id: 'ce-1', timestamp: 1_700_000_000_000, user: 'u1', fields: [{ name: 'query', value: 'flutter of wings' }], items: [{ id: 'doc0' }, { id: 'doc1' }] });
    assert.equal(r.status, 200, r.text);
    assert.equal(server.pool.get('ce').cacheEntries, before + 2, 'the pairs went through the served model (its score cache)');
    const ce = await CrossEncoder.load(BERT);
    try {
      const direct = await ce.score(titles.map((t) => ['flutter of wings', t] as [string, string]));
      for (const [i, item] of ['doc0', 'doc1'].entries()) {
        const got = r.body.items.find((x: any) => x.item === item).features.ce;
        assert.ok(Math.abs(got - direct[i]!.score) < 1e-6, `${item}: ${got} = ${direct[i]!.score}`);
      }
    } finally {
      await ce.close();
    }
  });

  it('trains on click-throughs (Metarank\'s report) and then ranks the clicked item first', async () => {
    // Users always click i6, shown last: a click model that learns from clicks must lift it.
    let ts = 1_700_000_100_000;
    const events: unknown[] = [];
    for (let s = 0; s < 60; s++) {
      const id = `train-${s}`;
      events.push(rankingEvent(id, `t${s}`, items, ts), click(id, `t${s}`, 'i6', ts + 1000));
      if (s % 3 === 0) events.push(click(id, `t${s}`, 'i5', ts + 2000));
      ts += 60_000;
    }
    assert.equal((await call(server.url, '/feedback', events)).status, 200);
    await call(server.url, '/flush', {});
    // Metarank's /train takes no payload: a bare POST, no content type.
    const res = await fetch(`${server.url}/train/ltr`, { method: 'POST' });
    const trained = { status: res.status, body: await res.json() as any };
    assert.equal(trained.status, 200, JSON.stringify(trained.body));
    assert.ok(Array.isArray(trained.body.features) && trained.body.features.some((f: any) => f.name === 'ctr'));
    assert.ok(Array.isArray(trained.body.iterations) && trained.body.iterations.length > 0);
    assert.ok(trained.body.sizeBytes > 0);
    const ranked = await call(server.url, '/rank/ltr', rankRequest('after-train', 'u9', [6, 5, 4, 3, 2, 1]));
    assert.equal(ranked.body.items[0].item, 'i6');
  });

  it('splits traffic by a stable hash of the user and says which variant served', async () => {
    const seen = new Map<string, string>();
    for (let u = 0; u < 40; u++) {
      const r = await call(server.url, '/rank/ab', rankRequest(`ab-${u}`, `user${u}`, [6, 5, 4, 3, 2, 1]));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('x-rerankit-variant'), r.body.variant);
      seen.set(`user${u}`, r.body.variant);
      const again = await call(server.url, '/rank/ab', rankRequest(`ab-${u}-again`, `user${u}`, [6, 5, 4, 3, 2, 1]));
      assert.equal(again.body.variant, r.body.variant, 'the same user gets the same variant');
      if (r.body.variant === 'base') assert.deepEqual(r.body.items.map((i: any) => i.item), items, 'noop keeps the order');
    }
    const counts = [...seen.values()].reduce((m, v) => m.set(v, (m.get(v) ?? 0) + 1), new Map<string, number>());
    assert.deepEqual([...counts.keys()].sort(), ['base', 'ltr']);
    assert.ok(counts.get('ltr')! >= 10 && counts.get('base')! >= 10, JSON.stringify([...counts]));
    // Clicks on the first item of every ltr ranking, none on base: CTR 100% vs 0%.
    const fb: unknown[] = [];
    for (let u = 0; u < 40; u++) if (seen.get(`user${u}`) === 'ltr') fb.push(click(`ab-${u}`, `user${u}`, 'i6', 1_800_000_000_000));
    await call(server.url, '/feedback', fb);
    const exp = (await call(server.url, '/experiments')).body.experiments.find((e: any) => e.name === 'ab');
    const ltr = exp.variants.find((v: any) => v.name === 'ltr');
    const base = exp.variants.find((v: any) => v.name === 'base');
    assert.equal(ltr.rankings, 2 * counts.get('ltr')!);
    assert.equal(ltr.clickedRankings, counts.get('ltr'));
    assert.equal(ltr.ctr, 0.5);
    assert.equal(base.ctr, 0);
    assert.equal(exp.significance[0].leader, 'ltr');
    assert.equal(exp.significance[0].significant, true);
  });

  it('interleaves two models into one list and credits clicks to the team that contributed', async () => {
    const r = await call(server.url, '/rank/il', rankRequest('il-1', 'w1', [6, 5, 4, 3, 2, 1]));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.variant, 'interleaved');
    assert.equal(r.headers.get('x-rerankit-variant'), 'interleaved');
    const order = r.body.items.map((i: any) => i.item);
    assert.deepEqual([...order].sort(), [...items].sort());
    // ltr puts i6 first, base (noop) puts i1 first: both are in the top two.
    assert.deepEqual([...order.slice(0, 2)].sort(), ['i1', 'i6']);
    for (let s = 0; s < 12; s++) {
      const x = await call(server.url, '/rank/il', rankRequest(`il-w${s}`, `w${s}`, [6, 5, 4, 3, 2, 1]));
      await call(server.url, '/feedback', [click(`il-w${s}`, `w${s}`, 'i6', 1_800_000_000_000)]);
      assert.equal(x.body.items.length, 6);
    }
    const il = (await call(server.url, '/experiments')).body.experiments.find((e: any) => e.name === 'il');
    const ltr = il.variants.find((v: any) => v.name === 'ltr');
    assert.equal(ltr.wins, 12);
    assert.equal(ltr.losses, 0);
    assert.equal(il.significance[0].test, 'binomial sign test');
    assert.equal(il.significance[0].significant, true);
  });

  it('prints the report from the CLI', async () => {
    const entry = "import { main } from './src/cli/main.ts'; await main(['node', 'rerankit', ...process.argv.slice(1)]);";
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, 'experiments', '--url', server.url]);
    assert.match(stdout, /ab \(split by user/);
    assert.match(stdout, /binomial sign test, ltr vs base: p = .* significant: ltr is better/);
  });

  it('keeps the experiments across a restart (file state)', async () => {
    const before = (await call(server.url, '/experiments')).body;
    await server.close();
    server = await serve({ config: file });
    const after = (await call(server.url, '/experiments')).body;
    assert.deepEqual(after, before);
  });
});

describe('learn server: configuration', () => {
  it('refuses an experiment over a model the config does not have, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rerankit-learn-cfg-'));
    try {
      const file = join(dir, 'bad.yaml');
      await writeFile(file, 'models:\n  base:\n    type: noop\nexperiments:\n  ab:\n    variants: {base: 1, ghost: 1}\n');
      await assert.rejects(resolveSettings({ config: file }, {}), /experiments\.ab: "ghost" is not a learned model/);
      await writeFile(file, 'models:\n  trending:\n    type: trending\n');
      await assert.rejects(resolveSettings({ config: file }, {}), /models\.trending: type "trending" is not a learned model type/);
      await writeFile(file, 'models:\n  base:\n    type: noop\n  ce:\n    kind: cross-encoder\n    model: test/fixtures/models/bert-ce-tiny\napi:\n  port: 9123\n');
      const s = await resolveSettings({ config: file }, {});
      assert.deepEqual(s.models.map((m) => [m.name, m.kind]), [['ce', 'cross-encoder']], 'a map entry with a rerankit kind is a reranker');
      assert.equal(s.port, 9123, "Metarank's api.port");
      await writeFile(file, 'models:\n  base:\n    type: noop\n');
      assert.deepEqual((await resolveSettings({ config: file }, {})).models, [], 'only Metarank sections: no default cross-encoder');
      assert.deepEqual(s.learn?.experiments, []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a server of learned models only answers the rerank routes 404 (no reranker is served), not 503 loading', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rerankit-learn-only-'));
    const file = join(dir, 'metarank.yml');
    await writeFile(file, 'state:\n  type: memory\nmodels:\n  base:\n    type: noop\n');
    const s = await serve({ config: file });
    try {
      assert.equal((await call(s.url, '/ready')).status, 200);
      const r = await call(s.url, '/v1/rerank', { query: 'q', documents: ['d'] });
      assert.equal(r.status, 404, r.text);
      assert.match(r.body.message, /serves no rerank models/);
      assert.equal((await call(s.url, '/rank/base', { id: 'r', timestamp: 1_700_000_000_000, items: [{ id: 'a' }, { id: 'b' }] })).body.items.length, 2);
    } finally {
      await s.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('without learned models the routes answer 404 in Metarank\'s error shape', async () => {
    const s = await buildServer({ ...DEFAULTS, logLevel: 'silent' });
    try {
      const r = await s.app.inject({ method: 'POST', url: '/rank/x', payload: { items: [] }, headers: { 'content-type': 'application/json' } });
      assert.equal(r.statusCode, 404);
      assert.match(JSON.parse(r.body).error, /no learned models/);
    } finally {
      await s.app.close();
    }
  });
});
