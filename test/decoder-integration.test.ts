// Decoder LLM rerankers beyond the numbers: recipes as files, detection from config.json and the name,
// the registry and CLI path, one clear error per mistake, and int8 through `rerankit quantize`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CrossEncoder } from '../src/backends/onnx/cross-encoder.js';
import { DecoderReranker } from '../src/backends/onnx/decoder/reranker.js';
import { checkRecipe, PRESETS, resolveRecipe } from '../src/backends/onnx/decoder/recipe.js';
import { RerankError, type ErrorCode } from '../src/errors.js';
import { readModel, writeModel } from '../src/onnx/model.js';
import { quantizeFolder } from '../src/quantize/folder.js';
import { createReranker } from '../src/registry.js';
import { DECODERS, defaultCases, expected } from './helpers/decoders.js';
import { modelDir } from './helpers/fixtures.js';

const ROOT = new URL('..', import.meta.url).pathname;
const QWEN = modelDir('qwen3-reranker-tiny');
const GEMMA = modelDir('gemma-reranker-tiny');
const tmp = mkdtempSync(join(tmpdir(), 'rerankit-decoder-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const fails = (code: ErrorCode, re: RegExp) => (e: unknown) => e instanceof RerankError && e.code === code && re.test(e.message);
const copy = (from: string, name: string) => {
  const dir = join(tmp, name);
  cpSync(from, dir, { recursive: true });
  return dir;
};

describe('recipes as data', () => {
  test('the example recipe files are the presets, and load as they do', async () => {
    for (const name of Object.keys(PRESETS)) {
      const file = join(ROOT, 'examples', 'recipes', `${name}.yaml`);
      assert.deepEqual(await resolveRecipe(file), PRESETS[name], file);
      assert.deepEqual(checkRecipe(PRESETS[name], name), PRESETS[name], `${name} passes its own checks`);
    }
    const cases = defaultCases('gemma-reranker-tiny');
    const fromFile = await DecoderReranker.load(GEMMA, { maxLength: 512, recipe: join(ROOT, 'examples', 'recipes', 'bge-reranker-v2-gemma.yaml') });
    try {
      const got = await fromFile.score(cases.map((c) => [c.query, c.document]));
      got.forEach((r, i) => assert.ok(Math.abs(r.raw! - expected(cases[i]!).raw) <= 1e-4));
    } finally {
      await fromFile.close();
    }
  });

  test('a JSON recipe object with its own prompt and instruction changes the prompt as written', async () => {
    const recipe = { ...PRESETS['qwen3-reranker'], name: 'custom', instruction: 'Find {braces} kept', prompt: [{ text: 'Q={query} D={document} I={instruction} {{literal}}' }] };
    const file = join(tmp, 'custom.json');
    writeFileSync(file, JSON.stringify(recipe));
    const m = await DecoderReranker.load(QWEN, { recipe: file, maxLength: 64 });
    try {
      const [[ids]] = await m.prompts([['a {document} query', 'doc']]);
      // The binding itself is the reference for how that exact text tokenizes.
      const { Tokenizer } = await import('tokenizers');
      const want = (await Tokenizer.fromFile(join(QWEN, 'tokenizer.json')).encode('Q=a {document} query D=doc I=Find {braces} kept {literal}', undefined, { addSpecialTokens: false })).getIds();
      assert.deepEqual(ids, want, 'one pass over the template: placeholders inside the query or instruction stay as written');
      assert.ok(m.identity.includes('custom'));
    } finally {
      await m.close();
    }
  });

  test('a bad recipe is one RERANK_BAD_OPTION (or RERANK_FILE) naming what is wrong', async () => {
    await assert.rejects(DecoderReranker.load(QWEN, { recipe: 'qwen4-reranker' }), fails('RERANK_BAD_OPTION', /^unknown recipe "qwen4-reranker" \(known: qwen3-reranker, bge-reranker-v2-gemma, or a recipe file/));
    await assert.rejects(DecoderReranker.load(QWEN, { recipe: join(tmp, 'missing.yaml') }), fails('RERANK_FILE', /cannot read the recipe .*missing\.yaml: ENOENT/));
    const bad = (name: string, text: string) => {
      const p = join(tmp, name);
      writeFileSync(p, text);
      return p;
    };
    await assert.rejects(resolveRecipe(bad('broken.yaml', 'name: [unclosed')), fails('RERANK_BAD_OPTION', /is not valid YAML/));
    const base = { ...PRESETS['qwen3-reranker'] };
    await assert.rejects(resolveRecipe({ ...base, prompt: [{ text: '{query} {doc}' }] }), fails('RERANK_BAD_OPTION', /unknown placeholder "\{doc\}"/));
    await assert.rejects(resolveRecipe({ ...base, prompt: [{ text: '{document}' }, { text: '{document}' }] }), fails('RERANK_BAD_OPTION', /exactly one prompt part must hold \{document\}, found 2/));
    await assert.rejects(resolveRecipe({ ...base, truncation: 'fit-none' }), fails('RERANK_BAD_OPTION', /at "truncation"/));
    await assert.rejects(resolveRecipe({ ...base, colour: 'red' }), fails('RERANK_BAD_OPTION', /invalid recipe/));
    await assert.rejects(resolveRecipe({ ...base, prompt: [{ text: 'x', token: 'y' }, { text: '{query}{document}' }] }), fails('RERANK_BAD_OPTION', /either "text" or "token"/));
    await assert.rejects(resolveRecipe({ ...base, truncation: 'only-second', prompt: [{ text: '{document} {query}' }] }), fails('RERANK_BAD_OPTION', /needs a part holding \{query\} before/));
  });

  test('a yes/no token missing from the vocabulary, an export without logits: RERANK_MODEL_INVALID naming it', async () => {
    const noToken = { ...PRESETS['qwen3-reranker'], score: { yes: 'definitely-not-a-token', no: 'no' } };
    await assert.rejects(DecoderReranker.load(QWEN, { recipe: noToken }), fails('RERANK_MODEL_INVALID', /needs the token "definitely-not-a-token", which is not in the tokenizer's vocabulary/));
    const dir = copy(QWEN, 'qwen3-reranker-no-logits');
    const model = await readModel(join(dir, 'onnx', 'model.onnx'));
    for (const n of model.graph.node) n.output = n.output.map((o) => (o === 'logits' ? 'scores' : o));
    for (const o of model.graph.output) if (o.name === 'logits') o.name = 'scores';
    await writeModel(join(dir, 'onnx', 'model.onnx'), model);
    await assert.rejects(DecoderReranker.load(dir), fails('RERANK_MODEL_INVALID', /has no "logits" output \(outputs: scores, present/));
  });
});

describe('the last-position graph edit and its fallbacks', () => {
  const defaults = defaultCases('qwen3-reranker-tiny');
  const check = async (m: DecoderReranker) => {
    const got = await m.score(defaults.map((c) => [c.query, c.document]));
    got.forEach((r, i) => assert.ok(Math.abs(r.raw! - expected(defaults[i]!).raw) <= 1e-4, `case ${i}: ${r.raw} vs ${expected(defaults[i]!).raw}`));
  };

  test('an LM head it cannot see through is sliced after it: [b, 1, vocab] still, same scores', async () => {
    const dir = copy(QWEN, 'qwen3-reranker-opaque-head');
    const model = await readModel(join(dir, 'onnx', 'model.onnx'));
    // logits = Reshape(head output, [0, 0, -1]): the same values behind an op the walk does not pass.
    for (const n of model.graph.node) n.output = n.output.map((o) => (o === 'logits' ? 'head_out' : o));
    model.graph.initializer.push({ name: 'keep_shape', dims: [3], dataType: 7, rawData: new Uint8Array(BigInt64Array.of(0n, 0n, -1n).buffer) });
    model.graph.node.push({ name: 'opaque', opType: 'Reshape', input: ['head_out', 'keep_shape'], output: ['logits'] });
    await writeModel(join(dir, 'onnx', 'model.onnx'), model);
    const { lastPositionLogits } = await import('../src/onnx/last-position.js');
    const { readFileSync } = await import('node:fs');
    assert.equal(lastPositionLogits(readFileSync(join(dir, 'onnx', 'model.onnx')))?.how, 'output');
    assert.equal(lastPositionLogits(readFileSync(join(QWEN, 'onnx', 'model.onnx')))?.how, 'head');
    assert.equal(lastPositionLogits(readFileSync(join(modelDir('qwen3-reranker-seqcls-tiny'), 'onnx', 'model.onnx'))), undefined, 'a [b, labels] head is left alone');
    const m = await DecoderReranker.load(dir, { maxLength: 512 });
    try {
      await check(m);
    } finally {
      await m.close();
    }
  });

  test('a recipe padding on the right reads each row\'s own last position from the full logits, with and without the cache', async () => {
    for (const prefixCache of [false, true]) {
      const m = await DecoderReranker.load(QWEN, { maxLength: 512, prefixCache, recipe: { ...PRESETS['qwen3-reranker'], padding: 'right' } });
      try {
        await check(m);
      } finally {
        await m.close();
      }
    }
  });
});

describe('exports with external data', () => {
  test('weights in onnx/model.onnx_data: the edited graph loads from memory, its data from the folder', async () => {
    const dir = copy(QWEN, 'qwen3-reranker-external');
    const model = await readModel(join(dir, 'onnx', 'model.onnx'));
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const t of model.graph.initializer) {
      if (!t.rawData || t.rawData.length < 1024) continue;
      chunks.push(new Uint8Array(t.rawData));
      Object.assign(t, { externalData: [{ key: 'location', value: 'model.onnx_data' }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(t.rawData.length) }], dataLocation: 1 });
      offset += t.rawData.length;
      delete t.rawData;
    }
    assert.ok(chunks.length >= 10);
    await writeModel(join(dir, 'onnx', 'model.onnx'), model);
    writeFileSync(join(dir, 'onnx', 'model.onnx_data'), Buffer.concat(chunks));
    const m = await DecoderReranker.load(dir, { maxLength: 512 });
    try {
      const cases = defaultCases('qwen3-reranker-tiny');
      const got = await m.score(cases.map((c) => [c.query, c.document]));
      got.forEach((r, i) => assert.ok(Math.abs(r.raw! - expected(cases[i]!).raw) <= 1e-4, `case ${i}`));
    } finally {
      await m.close();
    }
  });
});

describe('detection: the plain cross-encoder kind runs decoder rerankers', () => {
  test('config.json and the name pick the recipe; an encoder stays a CrossEncoder', async () => {
    for (const name of DECODERS) {
      const r = await createReranker({ kind: 'cross-encoder', model: modelDir(name), maxLength: 512 });
      try {
        assert.ok(r instanceof DecoderReranker, name);
        assert.equal(r.recipe.name, name.startsWith('gemma') ? 'bge-reranker-v2-gemma' : 'qwen3-reranker');
        const c = defaultCases(name)[1]!;
        const [got] = await r.rerank(c.query, [c.document]);
        assert.ok(Math.abs(got!.raw! - expected(c).raw) <= 1e-4, `${name} through the registry`);
      } finally {
        await r.close();
      }
    }
    const bert = await createReranker({ kind: 'cross-encoder', model: modelDir('bert-ce-tiny') });
    assert.ok(bert instanceof CrossEncoder);
    await bert.close();
  });

  test('a causal LM whose name does not say reranker needs a recipe; with one it scores as the preset', async () => {
    const dir = copy(QWEN, 'qwen3-tiny-chat');
    await assert.rejects(createReranker({ kind: 'cross-encoder', model: dir }), fails('RERANK_MODEL_INVALID', /is a Qwen3ForCausalLM with no known reranker recipe .* give recipe qwen3-reranker/));
    const r = await createReranker({ kind: 'cross-encoder', model: dir, recipe: 'qwen3-reranker', maxLength: 512 });
    try {
      const c = defaultCases('qwen3-reranker-tiny')[0]!;
      const [got] = await r.rerank(c.query, [c.document]);
      assert.ok(Math.abs(got!.score - expected(c).score) <= 1e-4);
    } finally {
      await r.close();
    }
  });

  test('decoder options are refused for encoders and checked by the registry before anything loads', async () => {
    await assert.rejects(createReranker({ kind: 'cross-encoder', model: modelDir('bert-ce-tiny'), recipe: 'qwen3-reranker' }), fails('RERANK_BAD_OPTION', /option "recipe" applies to decoder LLM rerankers; .* is a BertForSequenceClassification cross-encoder/));
    await assert.rejects(createReranker({ model: modelDir('bert-ce-tiny'), kind: 'decoder' }), fails('RERANK_BAD_OPTION', /is a BertForSequenceClassification, not a decoder LLM/));
    await assert.rejects(createReranker({ kind: 'cross-encoder', model: '/nonexistent', prefixCache: 'yes' }), fails('RERANK_BAD_OPTION', /^cross-encoder: option "prefixCache" must be true or false/));
    await assert.rejects(createReranker({ kind: 'cross-encoder', model: '/nonexistent', recipe: 3 }), fails('RERANK_BAD_OPTION', /^cross-encoder: option "recipe" must be a recipe preset/));
    await assert.rejects(createReranker({ kind: 'decoder', model: '/nonexistent', instruction: 'x' }), { code: 'RERANK_MODEL_NOT_FOUND' });
  });
});

describe('per-call options and limits', () => {
  test('maxLength below the fixed prompt, truncate: false on a long pair, maxTokensPerDoc', async () => {
    await assert.rejects(DecoderReranker.load(QWEN, { maxLength: 40 }), fails('RERANK_BAD_OPTION', /maxLength 40 is too small for recipe qwen3-reranker: its fixed parts alone take 47 tokens/));
    const m = await DecoderReranker.load(QWEN, { maxLength: 96 });
    try {
      const long = 'API keys are created with the create API key API. '.repeat(20);
      await assert.rejects(m.rerank('api keys', [long], { truncate: false }), fails('RERANK_LIMIT', /longer than the max length 96 .* truncate is false/));
      const [full] = await m.countTokens('api keys', [long]);
      assert.equal(full, 96, 'the recipe cuts the document to the max length');
      const [capped] = await m.countTokens('api keys', [long], { maxTokensPerDoc: 5 });
      const [empty] = await m.countTokens('api keys', ['']);
      assert.ok(capped! > empty! && capped! <= empty! + 6, `5 document tokens (+1 at the boundary): ${capped} vs ${empty} for an empty document`);
      const [left] = await m.prompts([['api keys', `${long} the end`]], { truncationDirection: 'left' });
      const [right] = await m.prompts([['api keys', `${long} the end`]]);
      assert.notDeepEqual(left, right);
      assert.deepEqual(left![0]!.slice(0, 60), right![0]!.slice(0, 60), 'a left cut keeps the instruction and query');
    } finally {
      await m.close();
    }
  });
});

describe('rerankit rerank on decoder models', () => {
  const cli = (args: string[]) => {
    const script = "import { main } from './src/cli/main.ts'; await main(['node', 'rerankit', ...process.argv.slice(1)]);";
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, HF_HUB_OFFLINE: '1' } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  test('detects the recipe, prints the cross-encoder JSON with the raw field; --recipe, --instruction, --no-prefix-cache; one error line', async () => {
    const cases = defaultCases('qwen3-reranker-tiny').filter((c, _, all) => c.query === all[0]!.query);
    const docs = join(tmp, 'docs.jsonl');
    writeFileSync(docs, cases.map((c) => JSON.stringify(c.document)).join('\n'));
    const r = cli(['rerank', '--model', QWEN, '-q', cases[0]!.query, '-d', docs, '--max-length', '512', '--no-prefix-cache']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout).results;
    assert.equal(out.length, cases.length);
    for (const x of out) {
      // The cross-encoder command's JSON, with the recipe's raw score in the raw field.
      assert.deepEqual(Object.keys(x), ['index', 'score', 'raw', 'logits']);
      assert.ok(Math.abs(x.score - expected(cases[x.index]!).score) <= 1e-4);
      assert.ok(Math.abs(x.raw - expected(cases[x.index]!).raw) <= 1e-4);
    }
    const other = cli(['rerank', '--model', QWEN, '-q', cases[0]!.query, '-d', docs, '--instruction', 'Given a question, retrieve Wikipedia passages that answer the question']);
    assert.equal(other.code, 0, other.stderr);
    assert.notDeepEqual(JSON.parse(other.stdout).results.map((x: { score: number }) => x.score), out.map((x: { score: number }) => x.score), '--instruction changes the prompt');
    const bad = cli(['rerank', '--model', QWEN, '-q', 'q', '-d', docs, '--recipe', 'nope']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^rerankit: error \[RERANK_BAD_OPTION\]: unknown recipe "nope" .*\n$/);
  });
});

describe('int8 through rerankit quantize', () => {
  for (const name of DECODERS) {
    test(`${name}: quantized MatMuls, scores near the reference (drift measured, see README)`, async () => {
      const dir = copy(modelDir(name), `${name}-int8`);
      const q = await quantizeFolder(dir);
      assert.ok(q.quantized >= 14, `${q.quantized} MatMuls quantized`);
      const m = await DecoderReranker.load(dir, { dtype: 'int8', maxLength: 512 });
      try {
        const cases = defaultCases(name);
        const got = await m.score(cases.map((c) => [c.query, c.document]));
        const drift = got.map((r, i) => Math.abs(r.score - expected(cases[i]!).score));
        const mean = drift.reduce((a, b) => a + b, 0) / drift.length;
        // Random tiny models with wide activations are hard on per-tensor int8 scales: measured means
        // 0.024-0.07 depending on the batch (Gemma the worst); a broken quantization lands near 0.3.
        assert.ok(mean < 0.1, `mean |Δscore| ${mean.toFixed(4)}`);
        assert.ok(got.every((r) => r.score >= 0 && r.score <= 1));
      } finally {
        await m.close();
      }
    });
  }
});
