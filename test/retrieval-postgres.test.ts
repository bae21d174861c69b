import assert from 'node:assert/strict';
import { runCli } from './helpers/cli.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { CrossEncoder } from '../src/backends/onnx/cross-encoder.js';
import { RerankError } from '../src/errors.js';
import { TwoStageRetriever } from '../src/pipeline/index.js';
import { PostgresRetriever } from '../src/retrieval/postgres.js';
import type { Retriever } from '../src/types.js';
import { modelDir } from './helpers/fixtures.js';
import { startPostgres, type PostgresProcess } from './helpers/postgres.js';
import { CONTRACT_CORPUS, CONTRACT_QUERIES, retrieverContract } from './helpers/retriever-contract.js';

// The Postgres first stage against a real server (Debian's PostgreSQL, a temporary data folder):
// the Retriever contract, hits checked against SQL written here, a stored tsvector column with a GIN
// index, Chinese, pgvector's absence, a two-stage pipeline, and `rerankit eval --retriever postgres://`.
let server: PostgresProcess;
let pool: pg.Pool;
let ce: CrossEncoder;
const ZH = [
  { id: 'z1', text: '巴黎是法国的首都。' },
  { id: 'z2', text: '柏林是德国的首都。' },
  { id: 'z3', text: '埃菲尔铁塔位于巴黎。' },
  { id: 'z4', text: '香蕉是黄色的。' },
];
const opened: PostgresRetriever[] = [];
const open = async (o: Omit<ConstructorParameters<typeof Object>[0], never> & Record<string, unknown>) => {
  const r = await PostgresRetriever.open({ connection: server.url, table: 'docs', ...o } as never);
  opened.push(r);
  return r;
};

before(async () => {
  server = await startPostgres();
  pool = new pg.Pool({ connectionString: server.url });
  // An "existing table" with its own column names, a schema, and a generated tsvector column with a GIN index.
  await pool.query('CREATE TABLE docs (id text PRIMARY KEY, body text)');
  await pool.query('CREATE SCHEMA "my schema"');
  await pool.query(`CREATE TABLE "my schema"."Docs ""2""" ("doc id" text PRIMARY KEY, "Body" text, lang regconfig, tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', coalesce("Body", ''))) STORED)`);
  await pool.query('CREATE INDEX docs2_tsv ON "my schema"."Docs ""2""" USING gin (tsv)');
  await pool.query('CREATE TABLE zh (id text PRIMARY KEY, text text)');
  for (const d of CONTRACT_CORPUS) {
    await pool.query('INSERT INTO docs VALUES ($1, $2)', [d.id, d.text]);
    await pool.query('INSERT INTO "my schema"."Docs ""2""" ("doc id", "Body", lang) VALUES ($1, $2, $3)', [d.id, d.text, 'english']);
  }
  for (const d of ZH) await pool.query('INSERT INTO zh VALUES ($1, $2)', [d.id, d.text]);
  ce = await CrossEncoder.load(modelDir('bert-ce-tiny'));
});
after(async () => {
  for (const r of opened) await r.close();
  await pool?.end();
  await ce?.close();
  await server?.stop();
});

retrieverContract('PostgresRetriever (english full-text)', () => open({ textColumn: 'body' }));
retrieverContract('PostgresRetriever (stored tsvector column, quoted names, language column)', () =>
  open({ table: 'my schema.Docs "2"', idColumn: 'doc id', textColumn: 'Body', tsvectorColumn: 'tsv', languageColumn: 'lang' }));
retrieverContract('PostgresRetriever (zh)', () => open({ table: 'zh', language: 'zh' }), { corpus: ZH, queries: ['巴黎', '德国首都'] });
retrieverContract('TwoStageRetriever (Postgres → cross-encoder)', async (): Promise<Retriever> =>
  new TwoStageRetriever(await open({ textColumn: 'body' }), ce, { firstStageK: 6, topK: 4 }));

describe('PostgresRetriever', () => {
  test('hits are what websearch_to_tsquery and ts_rank_cd give in SQL written here', async () => {
    const r = await open({ textColumn: 'body' });
    for (const q of [...CONTRACT_QUERIES, 'paris -eiffel', '"capital of france"', 'rome or berlin']) {
      const { rows } = await pool.query(
        "SELECT id, ts_rank_cd(to_tsvector('english', body), websearch_to_tsquery('english', $1)) AS rank FROM docs WHERE to_tsvector('english', body) @@ websearch_to_tsquery('english', $1) ORDER BY 2 DESC, 1",
        [q],
      );
      const hits = await r.search(q, 10);
      assert.deepEqual(hits.map((h) => h.id), rows.map((x) => x.id), q);
      hits.forEach((h, i) => assert.ok(Math.abs(h.score - Number(rows[i].rank)) < 1e-6, `${q}: ${h.id}`));
      assert.ok(rows.length > 0 || q.includes('-'), `${q} matches`);
    }
    assert.deepEqual((await r.search('paris -eiffel', 10)).map((h) => h.id), ['paris'], 'websearch syntax: -word excludes');
  });

  test('the stored tsvector column is searched through its GIN index', async () => {
    const r = await open({ table: 'my schema.Docs "2"', idColumn: 'doc id', textColumn: 'Body', tsvectorColumn: 'tsv' });
    const c = await pool.connect();
    try {
      await c.query('SET enable_seqscan = off');
      const plan = (await c.query(`EXPLAIN ${r.sql}`, ['capital', 'english', 3])).rows.map((x) => x['QUERY PLAN']).join('\n');
      assert.match(plan, /Bitmap Index Scan on docs2_tsv/);
    } finally {
      c.release();
    }
  });

  test("Chinese: Postgres' configurations keep a run of Han characters as one word; zh makes each character a word", async () => {
    // What the built-in parser does, asked of the server: the whole sentence is one lexeme.
    const { rows } = await pool.query("SELECT to_tsvector('simple', '巴黎是法国的首都。')::text AS v");
    assert.equal(rows[0].v, "'巴黎是法国的首都':1");
    const plain = await open({ table: 'zh', language: 'simple' });
    assert.deepEqual(await plain.search('巴黎', 4), [], 'simple: 巴黎 matches no sentence');
    const zh = await open({ table: 'zh', language: 'zh' });
    assert.deepEqual((await zh.search('巴黎', 4)).map((h) => h.id).sort(), ['z1', 'z3']);
    assert.deepEqual((await zh.search('德国首都', 4)).map((h) => h.id), ['z2']);
  });

  test('mistakes are typed errors before any search: no table, no column, no configuration, no pgvector, no server', async () => {
    const fails = async (o: Record<string, unknown>, code: string, re: RegExp) => {
      await assert.rejects(PostgresRetriever.open({ connection: server.url, table: 'docs', ...o } as never), (e: unknown) => e instanceof RerankError && e.code === code && re.test(e.message));
    };
    await fails({ table: 'nope' }, 'RERANK_BAD_OPTION', /table nope does not exist/);
    await fails({}, 'RERANK_BAD_OPTION', /column "text" does not exist/);
    await fails({ textColumn: 'body', language: 'klingon' }, 'RERANK_BAD_OPTION', /text search configuration "klingon" does not exist/);
    await fails({ textColumn: 'body', mode: 'vector', embeddingColumn: 'embedding' }, 'RERANK_UNAVAILABLE', /pgvector extension, which this Postgres server does not have/);
    await fails({ connection: 'postgres://postgres@127.0.0.1:1/postgres' }, 'RERANK_UNAVAILABLE', /cannot reach Postgres/);
  });
});

describe('rerankit eval --retriever postgres://', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rerankit-pg-eval-'));
    mkdirSync(join(dir, 'qrels'));
    writeFileSync(join(dir, 'corpus.jsonl'), CONTRACT_CORPUS.map((d) => JSON.stringify({ _id: d.id, text: d.text })).join('\n') + '\n');
    writeFileSync(join(dir, 'queries.jsonl'), CONTRACT_QUERIES.map((q, i) => JSON.stringify({ _id: `q${i}`, text: q })).join('\n') + '\n');
    writeFileSync(join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq0\tparis\t1\nq1\teiffel\t1\nq2\tbananas\t1\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the table is the first stage: the run is what SQL gives', async () => {
    const url = `${server.url}?table=docs&text_column=body&language=english`;
    const run = join(dir, 'pg.run');
    const r = runCli(['eval', '--dataset', dir, '--retriever', url, '--first-stage-k', '5', '--run-out', run, '-m', 'P.1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = readFileSync(run, 'utf8').trim().split('\n').map((l) => l.split(' '));
    for (const [i, q] of CONTRACT_QUERIES.entries()) {
      const { rows } = await pool.query("SELECT id, ts_rank_cd(to_tsvector('english', body), websearch_to_tsquery('english', $1)) AS rank FROM docs WHERE to_tsvector('english', body) @@ websearch_to_tsquery('english', $1) ORDER BY 2 DESC, id LIMIT 5", [q]);
      // The run file orders ties as trec_eval does, so compare documents and scores, not line order.
      const got = new Map(lines.filter((l) => l[0] === `q${i}`).map((l) => [l[2], Number(l[4])]));
      assert.deepEqual([...got.keys()].sort(), rows.map((x) => x.id).sort(), q);
      for (const x of rows) assert.ok(Math.abs(got.get(x.id)! - Number(x.rank)) < 1e-6, `${q} ${x.id}`);
    }
    assert.equal(typeof JSON.parse(r.stdout).all.P_1, 'number');
  });
});
