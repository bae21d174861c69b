import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CrossEncoder, RerankError, type ErrorCode } from '../src/index.js';
import { modelDir } from './helpers/fixtures.js';

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, pattern?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof RerankError, `expected a RerankError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'rerankit-errors-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of bert-ce-tiny with one file replaced. */
function brokenCopy(name: string, file: string, content: string | null): string {
  const dir = join(tmp, name);
  cpSync(modelDir('bert-ce-tiny'), dir, { recursive: true });
  if (content === null) rmSync(join(dir, file));
  else writeFileSync(join(dir, file), content);
  return dir;
}

describe('loading bad models fails with typed errors', () => {
  test('missing folder', () => rejectsWith(CrossEncoder.load(join(tmp, 'nope')), 'RERANK_MODEL_NOT_FOUND', /does not exist/));
  test('no ONNX file lists what exists', () => rejectsWith(CrossEncoder.load(brokenCopy('no-onnx', 'onnx/model.onnx', null)), 'RERANK_ONNX_NOT_FOUND', /no \.onnx file/));
  test('missing dtype variant lists the available files', () => rejectsWith(CrossEncoder.load(modelDir('bert-ce-tiny'), { dtype: 'int8' }), 'RERANK_ONNX_NOT_FOUND', /available: onnx\/model\.onnx/));
  test('unknown dtype', () => rejectsWith(CrossEncoder.load(modelDir('bert-ce-tiny'), { dtype: 'fp64' }), 'RERANK_BAD_OPTION', /unknown dtype/));
  test('corrupt ONNX file', () => rejectsWith(CrossEncoder.load(brokenCopy('bad-onnx', 'onnx/model.onnx', 'not a protobuf')), 'RERANK_ONNX_INVALID'));
  test('tokenizer.json that does not load', () => rejectsWith(CrossEncoder.load(brokenCopy('bad-tok', 'tokenizer.json', '{"version": "1.0", "model": 42}')), 'RERANK_TOKENIZER_INVALID'));
  test('missing tokenizer.json', () => rejectsWith(CrossEncoder.load(brokenCopy('no-tok', 'tokenizer.json', null)), 'RERANK_MODEL_INVALID', /tokenizer\.json is missing/));
  test('config.json that is not JSON', () => rejectsWith(CrossEncoder.load(brokenCopy('bad-config', 'config.json', '{oops')), 'RERANK_MODEL_INVALID', /not a JSON object/));
  test('a model whose output is not [batch, labels]', () => rejectsWith(CrossEncoder.load(modelDir('bert-embed-tiny')), 'RERANK_MODEL_OUTPUT', /\[batch, 1\]/));
  test('maxLength beyond the position embeddings', () => rejectsWith(CrossEncoder.load(modelDir('bert-ce-tiny'), { maxLength: 4096 }), 'RERANK_BAD_OPTION', /maxLength/));
  test('unknown longDocuments mode', () => rejectsWith(CrossEncoder.load(modelDir('bert-ce-tiny'), { longDocuments: 'split' as never }), 'RERANK_BAD_OPTION'));
});

describe('bad calls fail with typed errors', () => {
  let model: CrossEncoder;
  before(async () => {
    model = await CrossEncoder.load(modelDir('bert-ce-tiny'));
  });
  after(() => model.close());
  test('empty query', () => rejectsWith(model.rerank('  ', ['a']), 'RERANK_EMPTY_QUERY'));
  test('zero documents', () => rejectsWith(model.rerank('q', []), 'RERANK_NO_DOCUMENTS'));
  test('a non-string document names its index', () => rejectsWith(model.rerank('q', ['a', 42 as never]), 'RERANK_BAD_DOCUMENT', /document 1/));
  test('an object without text', () => rejectsWith(model.rerank('q', [{ title: 'x' } as never]), 'RERANK_BAD_DOCUMENT'));
  test('bad topK', () => rejectsWith(model.rerank('q', ['a'], { topK: 0 }), 'RERANK_BAD_OPTION'));
  test('bad pairs', () => rejectsWith(model.score([['q', 3 as never]]), 'RERANK_BAD_INPUT', /pair 0/));
  test('a closed model refuses work', async () => {
    const m = await CrossEncoder.load(modelDir('bert-ce-tiny'));
    await m.close();
    await rejectsWith(m.rerank('q', ['a']), 'RERANK_CLOSED');
  });
});

describe('rerank options and long documents', () => {
  let model: CrossEncoder;
  before(async () => {
    model = await CrossEncoder.load(modelDir('bert-ce-tiny'));
  });
  after(() => model.close());
  const docs = ['Paris is the capital of France.', { text: 'Berlin is in Germany', id: 7 }, 'crocs', ''];

  test('topK, threshold and returnDocuments', async () => {
    const all = await model.rerank('capital of france', docs);
    const top = await model.rerank('capital of france', docs, { topK: 2, returnDocuments: true });
    assert.deepEqual(top.map((r) => r.index), all.slice(0, 2).map((r) => r.index));
    assert.deepEqual(top[0].document, docs[top[0].index]);
    const cut = all[1].score;
    const kept = await model.rerank('capital of france', docs, { threshold: cut });
    assert.deepEqual(kept.map((r) => r.index), all.filter((r) => r.score >= cut).map((r) => r.index));
  });

  test('chunk mode scores a long document by its best window', async () => {
    const filler = 'The weather report mentions rain and wind across the region today. '.repeat(120);
    const needle = 'Paris is the capital and most populous city of France.';
    const long = filler + needle + filler;
    const chunked = await CrossEncoder.load(modelDir('bert-ce-tiny'), { longDocuments: 'chunk', maxLength: 64 });
    try {
      const [r] = await chunked.rerank('capital of france', [long]);
      // The best window is at least as good as every window, including the first one truncation sees.
      const windowScores = await chunked.score([['capital of france', filler.slice(0, 200)], ['capital of france', needle]]);
      const truncating = await CrossEncoder.load(modelDir('bert-ce-tiny'), { maxLength: 64 });
      const [t] = await truncating.rerank('capital of france', [long]);
      await truncating.close();
      assert.ok(r.score >= t.score - 1e-6, 'the best window is never worse than the first window');
      assert.ok(r.score >= Math.min(...windowScores.map((w) => w.score)) - 1e-6);
      const [tokens] = await chunked.countTokens('capital of france', [long]);
      assert.ok(tokens > 64, 'all windows are counted');
    } finally {
      await chunked.close();
    }
  });
});
