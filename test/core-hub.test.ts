import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { CrossEncoder, RerankError } from '../src/index.js';
import { resolveModel } from '../src/models/resolve.js';
import { FAKE_SHA, startFakeHub, type FakeHub } from './helpers/fake-hub.js';
import { modelDir, reference } from './helpers/fixtures.js';

const REPO = 'cross-encoder/ms-marco-MiniLM-L-6-v2';
const ENV_KEYS = ['HF_ENDPOINT', 'HF_HUB_CACHE', 'HF_HOME', 'HF_HUB_OFFLINE', 'HF_TOKEN'];
const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

let hub: FakeHub;
let cache: string;
before(async () => {
  hub = await startFakeHub({ repos: { [REPO]: modelDir('bert-ce-tiny'), 'BAAI/bge-reranker-base': modelDir('xlmr-ce-tiny'), 'org/gated': modelDir('bert-ce-tiny') }, gated: { 'org/gated': 'hf_secret' } });
});
after(async () => {
  await hub.close();
  for (const k of ENV_KEYS) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
});
beforeEach(() => {
  cache = mkdtempSync(join(tmpdir(), 'rerankit-hub-'));
  process.env.HF_ENDPOINT = hub.url;
  process.env.HF_HUB_CACHE = cache;
  delete process.env.HF_HUB_OFFLINE;
  delete process.env.HF_TOKEN;
  delete process.env.HF_HOME;
  hub.requests.length = 0;
});
afterEach(() => rmSync(cache, { recursive: true, force: true }));

const repoDir = (repo: string) => join(cache, `models--${repo.replace('/', '--')}`);
const downloads = () => hub.requests.filter((r) => r.startsWith('GET') && !r.includes('/api/'));

describe('hub downloads', () => {
  test('a fresh download lands in the Hugging Face cache layout and scores like the folder', async () => {
    const model = await CrossEncoder.load(REPO);
    const ref = reference('bert-ce-tiny');
    const [r] = await model.score([ref.cases[0].input]);
    await model.close();
    assert.ok(Math.abs(r.logits![0]! - ref.cases[0].logits[0]) < 1e-4);
    const dir = repoDir(REPO);
    assert.equal(readFileSync(join(dir, 'refs', 'main'), 'utf8'), FAKE_SHA);
    const onnx = readFileSync(modelDir('bert-ce-tiny/onnx/model.onnx'));
    const sha256 = createHash('sha256').update(onnx).digest('hex');
    assert.equal(readlinkSync(join(dir, 'snapshots', FAKE_SHA, 'onnx', 'model.onnx')), `../../../blobs/${sha256}`);
    assert.ok(readdirSync(join(dir, 'blobs')).every((f) => !f.endsWith('.incomplete')));
    assert.deepEqual(readdirSync(join(dir, 'snapshots', FAKE_SHA)).sort(), ['config.json', 'onnx', 'tokenizer.json', 'tokenizer_config.json']);
  });

  test('a second load is a cache hit: no file is downloaded again', async () => {
    await resolveModel('BAAI/bge-reranker-base');
    const first = downloads().length;
    assert.ok(first >= 3);
    hub.requests.length = 0;
    await resolveModel('BAAI/bge-reranker-base');
    assert.deepEqual(downloads(), []);
  });

  test('offline mode uses the cache and never calls the hub', async () => {
    await resolveModel(REPO);
    hub.requests.length = 0;
    process.env.HF_HUB_OFFLINE = '1';
    const files = await resolveModel(REPO);
    assert.equal(hub.requests.length, 0);
    assert.ok(files.onnxPath.includes(FAKE_SHA));
  });

  test('offline mode without the model in the cache says so', async () => {
    process.env.HF_HUB_OFFLINE = '1';
    await assert.rejects(resolveModel(REPO), (e: RerankError) => e.code === 'RERANK_OFFLINE' && /not in the Hugging Face cache/.test(e.message));
  });

  test('an unreachable hub falls back to the cache, or fails clearly', async () => {
    await resolveModel(REPO);
    process.env.HF_ENDPOINT = 'http://127.0.0.1:9';
    assert.ok((await resolveModel(REPO)).dir.includes(FAKE_SHA));
    await assert.rejects(resolveModel('BAAI/bge-reranker-base'), (e: RerankError) => e.code === 'RERANK_OFFLINE' && /cannot reach/.test(e.message));
  });

  test('an unknown repo is a 404 error', async () => {
    await assert.rejects(resolveModel('nobody/no-such-model'), (e: RerankError) => e.code === 'RERANK_HUB_NOT_FOUND');
    await assert.rejects(resolveModel(REPO, { revision: 'v9' }), (e: RerankError) => e.code === 'RERANK_HUB_NOT_FOUND');
  });

  test('a missing dtype variant on the hub lists what the repo has', async () => {
    await assert.rejects(resolveModel(REPO, { dtype: 'int8' }), (e: RerankError) => e.code === 'RERANK_ONNX_NOT_FOUND' && /available: onnx\/model\.onnx/.test(e.message));
  });

  test('gated repos need HF_TOKEN', async () => {
    await assert.rejects(resolveModel('org/gated'), (e: RerankError) => e.code === 'RERANK_HUB_AUTH' && /HF_TOKEN/.test(e.message));
    process.env.HF_TOKEN = 'hf_secret';
    assert.ok((await resolveModel('org/gated')).onnxPath.endsWith('model.onnx'));
  });

  test('HF_HOME puts the cache under <HF_HOME>/hub', async () => {
    delete process.env.HF_HUB_CACHE;
    process.env.HF_HOME = cache;
    await resolveModel(REPO);
    assert.ok(existsSync(join(cache, 'hub', `models--cross-encoder--ms-marco-MiniLM-L-6-v2`, 'refs', 'main')));
  });

  test('an interrupted download leaves no broken file and resumes on the next run', async () => {
    hub.options.cutAfterBytes = 100_000;
    hub.options.cutTimes = 1;
    await assert.rejects(resolveModel(REPO), (e: RerankError) => e.code === 'RERANK_HUB_ERROR' && /interrupted/.test(e.message));
    const blobs = readdirSync(join(repoDir(REPO), 'blobs'));
    assert.ok(blobs.some((b) => b.endsWith('.incomplete')), 'partial data kept aside');
    assert.ok(!existsSync(join(repoDir(REPO), 'snapshots', FAKE_SHA, 'onnx', 'model.onnx')), 'no snapshot link to a partial file');
    hub.requests.length = 0;
    const files = await resolveModel(REPO);
    assert.deepEqual(readFileSync(files.onnxPath), readFileSync(modelDir('bert-ce-tiny/onnx/model.onnx')));
    assert.ok(readdirSync(join(repoDir(REPO), 'blobs')).every((b) => !b.endsWith('.incomplete')));
  });
});
