import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { makeCorpus, startFakeLlm, type FakeLlm } from './fixtures/llm/fake-llm.js';
import { ranked, startFakeApi, type FakeApi } from './fixtures/llm/fake-apis.js';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
let llm: FakeLlm;
let api: FakeApi;
let dir: string;

/** The bin runs dist/: rebuild when any of this area's sources is newer than the build (`npm test` builds anyway). */
function ensureBuilt(): void {
  const built = join(root, 'dist/backends/llm/index.js');
  const sources = ['src/backends/llm', 'src/backends/remote'].flatMap((d) => readdirSync(join(root, d)).map((f) => join(root, d, f)));
  sources.push(join(root, 'src/cli/commands/rerank.ts'), join(root, 'src/registry.ts'));
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  if (!existsSync(built) || statSync(built).mtimeMs < newest) {
    try {
      execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'pipe' });
    } catch {
      // tsc still emits when another area has a type error; the CLI assertions below decide.
    }
  }
}

before(async () => {
  ensureBuilt();
  [llm, api] = await Promise.all([startFakeLlm(), startFakeApi()]);
  dir = mkdtempSync(join(tmpdir(), 'rerankit-llm-cli-'));
});
after(async () => {
  await Promise.all([llm.close(), api.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [join(root, 'bin/rerankit.js'), 'rerank', ...args], { cwd: root, env: { ...process.env, ...env } });

describe('rerankit rerank with LLM and hosted rerankers', () => {
  it('--reranker listwise prints index, score and rank, best first (no logits: an LLM gives an order)', async () => {
    const { docs, truth } = makeCorpus(llm, 25, 77);
    const file = join(dir, 'docs.jsonl');
    writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
    const { stdout } = await cli(['--reranker', 'listwise', '--llm-base-url', llm.url, '--llm-model', 'fake', '--window', '10', '--stride', '5', '--passes', '5', '--query', 'q', '--documents', file, '--top-k', '3']);
    const { results } = JSON.parse(stdout);
    assert.deepEqual(results, truth.slice(0, 3).map((index, r) => ({ index, score: (25 - r) / 25, rank: r + 1 })));
    assert.equal(llm.requests[0].body.model, 'fake');
    assert.equal(llm.requests[0].body.messages.filter((m: { content: string }) => /^\[\d+\] /.test(m.content)).length, 10);
  });
  it('--reranker cohere --api-base-url with the key from the environment', async () => {
    const docs = ['Paris is the capital of France.', 'Bananas.', 'France has wine.'];
    const file = join(dir, 'co.jsonl');
    writeFileSync(file, docs.map((text) => JSON.stringify({ text })).join('\n'));
    api.handler = (_, b) => ({ body: { id: 'x', results: ranked(b.query, b.documents, b.top_n).map((r) => ({ index: r.index, relevance_score: r.s })), meta: {} } });
    const { stdout } = await cli(['--reranker', 'cohere', '--api-base-url', api.origin, '--query', 'capital of france', '--documents', file, '--return-documents'], { COHERE_API_KEY: 'env-key' });
    const { results } = JSON.parse(stdout);
    assert.deepEqual(results.map((r: { index: number }) => r.index), ranked('capital of france', docs).map((r) => r.index));
    assert.deepEqual(results[0].document, { text: docs[0] });
    for (const r of results) assert.deepEqual(Object.keys(r), ['index', 'score', 'document'], 'a relevance_score API has no raw value to print');
    assert.equal(api.requests.at(-1)!.auth, 'Bearer env-key');
  });
  it('--reranker pointwise and tei print their raw scores', async () => {
    const { docs } = makeCorpus(llm, 4, 78);
    const file = join(dir, 'pw.jsonl');
    writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n'));
    const pw = JSON.parse((await cli(['--reranker', 'pointwise', '--llm-base-url', llm.url, '--llm-model', 'm', '--query', 'q', '--documents', file])).stdout).results;
    for (const r of pw) {
      assert.deepEqual(Object.keys(r), ['index', 'score', 'raw']);
      const p = Math.min(0.98, Math.max(0.02, llm.relevance.get(r.index)!));
      assert.ok(Math.abs(r.raw - Math.log(p / (1 - p))) < 1e-9, 'ln P(yes) - ln P(no)');
    }
    api.handler = (_, b) => ({ body: b.texts.map((_t: string, index: number) => ({ index, score: index - 1.5 })) });
    const tei = JSON.parse((await cli(['--reranker', 'tei', '--api-base-url', api.origin, '--query', 'q', '--documents', file])).stdout).results;
    assert.deepEqual(tei.map((r: { index: number; raw: number }) => [r.index, r.raw]), [[3, 1.5], [2, 0.5], [1, -0.5], [0, -1.5]]);
  });
  it('user mistakes print one line and exit 1', async () => {
    const file = join(dir, 'one.jsonl');
    writeFileSync(file, '"a"\n');
    const bad = await cli(['--reranker', 'listwise', '--llm-base-url', llm.url, '--llm-model', 'm', '--window', '10', '--stride', '10', '--query', 'q', '--documents', file]).catch((e) => e);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr.trim(), 'rerankit: error [RERANK_BAD_OPTION]: stride must be an integer with 0 < stride < window (got stride 10, window 10)');
    const down = await cli(['--reranker', 'pointwise', '--llm-base-url', 'http://127.0.0.1:1/v1', '--llm-model', 'm', '--retries', '0', '--query', 'q', '--documents', file]).catch((e) => e);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^rerankit: error \[RERANK_UPSTREAM\]: LLM m failed after 1 attempt\(s\): cannot reach http:\/\/127\.0\.0\.1:1\/v1\/chat\/completions/);
    assert.equal(down.stderr.trim().split('\n').length, 1);
    const other = await cli(['--reranker', 'pairwise', '--llm-base-url', llm.url, '--llm-model', 'm', '--window', '4', '--query', 'q', '--documents', file]).catch((e) => e);
    assert.equal(other.code, 1);
    assert.equal(other.stderr.trim(), 'rerankit: error [RERANK_USAGE]: --window does not apply to --reranker pairwise (see rerankit rerank --help)');
    const endpoint = await cli(['--reranker', 'listwise', '--llm-base-url', llm.url, '--llm-model', 'm', '--llm-endpoint', 'responses', '--query', 'q', '--documents', file]).catch((e) => e);
    assert.equal(endpoint.code, 1);
    assert.equal(endpoint.stderr.trim(), 'rerankit: error [RERANK_BAD_OPTION]: listwise: option "llmEndpoint" must be "chat" or "completions", got "responses"');
    const dtype = await cli(['--reranker', 'cohere', '--api-base-url', api.origin, '--dtype', 'int8', '--query', 'q', '--documents', file]).catch((e) => e);
    assert.equal(dtype.stderr.trim(), 'rerankit: error [RERANK_USAGE]: --dtype does not apply to --reranker cohere (see rerankit rerank --help)');
  });
});
