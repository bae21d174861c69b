import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RerankError } from '../src/errors.js';
import { registerReranker } from '../src/registry.js';
import { resolveSettings } from '../src/server/config.js';
import type { RunningServer } from '../src/server/start.js';
import type { DocInput, RerankResult } from '../src/types.js';
import { BERT, XLMR, call, serve } from './server-helpers.js';

/** A real non-cross-encoder Reranker (word overlap, no declared capabilities): the server must call it directly. */
class OverlapReranker {
  readonly name = 'overlap';
  async rerank(query: string, documents: DocInput[]): Promise<RerankResult[]> {
    const words = new Set(query.toLowerCase().split(/\s+/));
    return documents
      .map((d, index) => {
        const hits = String(typeof d === 'string' ? d : d.text).toLowerCase().split(/\s+/).filter((w) => words.has(w)).length;
        return { index, score: hits / (hits + 1), raw: hits };
      })
      .sort((a, b) => b.score - a.score || a.index - b.index);
  }
  async close(): Promise<void> {}
}
registerReranker('overlap-test', async () => async () => new OverlapReranker());

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rerankit-serve-'));
});
after(async () => rm(dir, { recursive: true, force: true }));

describe('serve settings: defaults < YAML < RERANKIT_* < flags', () => {
  it('merges the layers key by key and names bare folders after themselves', async () => {
    const yaml = join(dir, 'rerankit.yaml');
    await writeFile(yaml, `port: 9000\nhost: 0.0.0.0\nmax-queue: 7\napiKeys: [from-yaml]\ndtype: fp32\nmodels:\n  - ${BERT}\n  - {name: ml, model: ${XLMR}, aliases: [rerank-v3.5], maxLength: 128}\n`);
    const s = await resolveSettings({ config: yaml, maxWaitMs: 9 }, { RERANKIT_PORT: '9100', RERANKIT_MAX_WAIT_MS: '1', RERANKIT_CACHE_SIZE: '0' });
    assert.deepEqual([s.host, s.port, s.maxQueue, s.maxWaitMs, s.cacheSize, s.maxDocuments], ['0.0.0.0', 9100, 7, 9, 0, 1000]);
    assert.deepEqual(s.apiKeys, ['from-yaml']);
    assert.deepEqual(s.models, [
      { name: 'bert-ce-tiny', model: BERT, defaults: { dtype: 'fp32' } },
      { name: 'ml', model: XLMR, aliases: ['rerank-v3.5'], maxLength: 128, defaults: { dtype: 'fp32' } },
    ]);
  });

  it('flags and RERANKIT_MODEL replace the YAML model list; name=id names a model; the default is MiniLM', async () => {
    const env = { RERANKIT_MODEL: `a=${BERT}, ${XLMR}`, RERANKIT_API_KEY: 'k1,k2' };
    const s = await resolveSettings({}, env);
    assert.deepEqual(s.models.map((m) => [m.name, m.model]), [['a', BERT], ['xlmr-ce-tiny', XLMR]]);
    assert.deepEqual(s.apiKeys, ['k1', 'k2']);
    const byFlag = await resolveSettings({ models: [`b=${XLMR}`] }, env);
    assert.deepEqual(byFlag.models.map((m) => m.name), ['b']);
    const none = await resolveSettings({}, {});
    assert.deepEqual(none.models, [{ name: 'cross-encoder/ms-marco-MiniLM-L-6-v2', model: 'cross-encoder/ms-marco-MiniLM-L-6-v2' }]);
  });

  it('model-wide defaults reach only the kinds that take them; a wrong model option is refused by name', async () => {
    const llm = { name: 'llm', kind: 'listwise', llmBaseUrl: 'http://127.0.0.1:9/v1', llmModel: 'm' };
    const server = await serve({ models: [BERT, llm], dtype: 'fp32', threads: 1 });
    try {
      assert.deepEqual(server.pool.list().map((m) => [m.name, m.kind]), [['bert-ce-tiny', 'cross-encoder'], ['llm', 'listwise']]);
    } finally {
      await server.close();
    }
    await assert.rejects(serve({ models: [{ name: 'x', model: BERT, maxLenght: 16 }] }), (e: unknown) => e instanceof RerankError && e.code === 'RERANK_BAD_OPTION' && /maxLenght/.test(e.message));
    await assert.rejects(serve({ models: [{ ...llm, concurrency: 0 }] }), (e: unknown) => e instanceof RerankError && e.code === 'RERANK_BAD_OPTION' && /concurrency/.test(e.message));
  });

  it('bad values are one RerankError naming the source and key', async () => {
    const yaml = join(dir, 'bad.yaml');
    await writeFile(yaml, 'max-documents: lots\n');
    await assert.rejects(resolveSettings({ config: yaml }, {}), (e: unknown) => e instanceof RerankError && e.code === 'RERANK_BAD_OPTION' && /bad\.yaml: maxDocuments/.test(e.message));
    await writeFile(yaml, 'max-docs: 3\n');
    await assert.rejects(resolveSettings({ config: yaml }, {}), /Unrecognized key.*maxDocs/);
    await assert.rejects(resolveSettings({}, { RERANKIT_MAX_QUEUE: '-1' }), /environment: maxQueue/);
    await assert.rejects(resolveSettings({ config: join(dir, 'missing.yaml') }, {}), (e: unknown) => e instanceof RerankError && e.code === 'RERANK_FILE');
  });
});

describe('serve: other reranker kinds from the YAML are called directly', () => {
  let server: RunningServer;
  before(async () => {
    const yaml = join(dir, 'kinds.yaml');
    await writeFile(yaml, `models:\n  - {name: lexical, kind: overlap-test}\n  - ${BERT}\n`);
    server = await serve({ ...(await resolveSettings({ config: yaml }, {})), port: 0, logLevel: 'silent' });
  });
  after(async () => server?.close());

  it('a port already in use is one RerankError', async () => {
    const port = Number(new URL(server.url).port);
    await assert.rejects(serve({ models: [BERT], port }), (e: unknown) => e instanceof RerankError && /127\.0\.0\.1:\d+: address already in use/.test(e.message));
  });

  it('answers every dialect from the reranker\'s own scores', async () => {
    const docs = ['red apple pie', 'green apple', 'blue sky'];
    const v1 = await call(server.url, '/v1/rerank', { model: 'lexical', query: 'red apple', documents: docs });
    assert.deepEqual(v1.body.results.map((r: any) => [r.index, r.relevance_score]), [[0, 2 / 3], [1, 1 / 2], [2, 0]]);
    const metarank = await call(server.url, '/inference/cross/lexical', { input: [{ query: 'blue', text: 'blue sky' }, { query: 'red apple', text: 'red apple' }] });
    assert.deepEqual(metarank.body.scores, [1, 2]);
    const models = await call(server.url, '/v1/models');
    assert.deepEqual(models.body.data.map((m: any) => [m.id, m.kind]), [['lexical', 'overlap-test'], ['bert-ce-tiny', 'cross-encoder']]);
  });
});

/** Runs the real CLI entry (src through tsx, as bin/rerankit.js runs dist). */
function rerankit(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const entry = "import { main } from './src/cli/main.ts'; await main(['node', 'rerankit', ...process.argv.slice(1)]);";
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves when the child's output matches; fails if it exits first or after 60 s (so a bug never hangs CI). */
function waitFor(child: ChildProcess, pattern: RegExp, stream: 'stdout' | 'stderr' = 'stderr'): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within 60 s: ${seen}`)), 60_000);
    const onData = (d: Buffer) => {
      seen += d.toString();
      const m = seen.match(pattern);
      if (m) child[stream]!.off('data', onData), clearTimeout(timer), resolve(m);
    };
    child[stream]!.on('data', onData);
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`exited ${code} before ${pattern}: ${seen}`))));
  });
}

const exited = (child: ChildProcess) => new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (c) => r(c))));

describe('rerankit serve (a real process)', () => {
  it('prints the bound address, serves, and on SIGTERM finishes the in-flight request before exiting 0', async () => {
    const child = rerankit(['serve', '--model', BERT, '--port', '0', '--log-level', 'info', '--max-documents', '5000']);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const [, url] = await waitFor(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
      await waitFor(child, /ready: bert-ce-tiny/);
      assert.equal((await call(url!, '/health')).status, 200);
      // A 3000-document request takes the tiny model far longer than a signal takes to arrive, so it
      // is still running when SIGTERM comes right after the server logs its arrival.
      const documents = Array.from({ length: 3000 }, (_, i) => `document number ${i} about cats and dogs`);
      const arrived = waitFor(child, /"url":"\/v1\/rerank"/, 'stdout');
      const inflight = call(url!, '/v1/rerank', { query: 'cats', documents });
      await arrived;
      child.kill('SIGTERM');
      const answer = await inflight;
      assert.match(stderr, /shutting down: finishing in-flight requests/); // the answer came after the signal
      assert.equal(answer.status, 200);
      assert.equal(answer.body.results.length, 3000);
      assert.equal(await exited(child), 0);
      assert.match(stderr, /stopped/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('without --model and offline, exits 1 with one clear line', async () => {
    const child = rerankit(['serve', '--port', '0', '--log-level', 'silent'], { HF_HUB_OFFLINE: '1', HF_HOME: join(dir, 'hf'), RERANKIT_MODEL: '' });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    assert.equal(await exited(child), 1);
    const lines = err.trim().split('\n').filter((l) => !l.includes('listening on'));
    assert.equal(lines.length, 1, err);
    assert.match(lines[0]!, /^rerankit: error \[RERANK_OFFLINE\]: cross-encoder\/ms-marco-MiniLM-L-6-v2.*not in the Hugging Face cache/);
  });
});
