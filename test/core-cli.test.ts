import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CrossEncoder } from '../src/index.js';
import { modelDir } from './helpers/fixtures.js';

const BIN = new URL('../bin/rerankit.js', import.meta.url).pathname;
const TRACE = new URL('./helpers/import-trace.mjs', import.meta.url).pathname;
const MODEL = modelDir('bert-ce-tiny');

function cli(args: string[], input?: string, nodeArgs: string[] = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, BIN, ...args], { input, encoding: 'utf8', env: { ...process.env, HF_HUB_OFFLINE: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'rerankit-cli-'));
const file = (name: string, content: string) => {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
};
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('rerankit rerank', () => {
  const docs = ['Paris is the capital of France.', 'Berlin is in Germany', '机器学习中的正则化技术', ''];
  let docsFile: string;
  before(() => {
    docsFile = file('docs.jsonl', `${JSON.stringify(docs[0])}\n${JSON.stringify({ text: docs[1], id: 'b' })}\n${JSON.stringify(docs[2])}\n${JSON.stringify(docs[3])}\n`);
  });

  test('prints the library\'s ranking as one JSON object', async () => {
    const r = cli(['rerank', '--model', MODEL, '--query', 'capital of france', '--documents', docsFile]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const model = await CrossEncoder.load(MODEL);
    const lib = await model.rerank('capital of france', docs);
    await model.close();
    assert.deepEqual(out.results.map((x: { index: number }) => x.index), lib.map((x) => x.index));
    out.results.forEach((x: { score: number; logits: number[] }, i: number) => {
      assert.deepEqual(Object.keys(x), ['index', 'score', 'logits'], 'a cross-encoder prints exactly index, score, logits');
      assert.ok(Math.abs(x.score - lib[i].score) < 1e-6);
      assert.deepEqual(x.logits, lib[i].logits);
    });
  });

  test('--reranker bi-encoder prints index, score and raw (the cosine), no logits', () => {
    const r = cli(['rerank', '--reranker', 'bi-encoder', '--model', modelDir('bert-embed-tiny'), '-q', 'capital of france', '-d', docsFile, '--max-length', '64']);
    assert.equal(r.code, 0, r.stderr);
    const { results } = JSON.parse(r.stdout);
    assert.equal(results.length, docs.length);
    for (const x of results) {
      assert.deepEqual(Object.keys(x), ['index', 'score', 'raw']);
      assert.ok(x.raw >= -1 && x.raw <= 1 && Math.abs(x.score - (x.raw + 1) / 2) < 1e-12, JSON.stringify(x));
    }
    const chunk = cli(['rerank', '--reranker', 'bi-encoder', '--model', modelDir('bert-embed-tiny'), '-q', 'q', '-d', docsFile, '--long-documents', 'chunk']);
    assert.match(chunk.stderr, /^rerankit: error \[RERANK_USAGE\]: --long-documents does not apply to --reranker bi-encoder/);
  });

  test('--return-documents adds the input document, and nothing else', () => {
    const r = cli(['rerank', '--model', MODEL, '-q', 'capital of france', '-d', docsFile, '--return-documents', '--top-k', '2']);
    assert.equal(r.code, 0, r.stderr);
    const { results } = JSON.parse(r.stdout);
    for (const x of results) {
      assert.deepEqual(Object.keys(x), ['index', 'score', 'logits', 'document']);
      assert.deepEqual(x.document, x.index === 1 ? { text: docs[1], id: 'b' } : docs[x.index]);
    }
  });

  test('reads stdin and honours --top-k and --threshold', () => {
    const r = cli(['rerank', '--model', MODEL, '-q', 'capital of france', '-d', '-', '--top-k', '2'], docs.map((d) => JSON.stringify(d)).join('\n'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).results.length, 2);
    const all = JSON.parse(cli(['rerank', '--model', MODEL, '-q', 'capital of france', '-d', docsFile]).stdout).results as { index: number; score: number }[];
    const cut = (all[1].score + all[2].score) / 2;
    const t = cli(['rerank', '--model', MODEL, '-q', 'capital of france', '-d', docsFile, '--threshold', String(cut)]);
    assert.deepEqual(JSON.parse(t.stdout).results.map((x: { index: number }) => x.index), all.slice(0, 2).map((x) => x.index));
  });

  const usage = (m: string) => new RegExp(`^rerankit: error \\[RERANK_USAGE\\]: ${m} \\(see rerankit rerank --help\\)\n$`);
  const bad: [string, () => string[], RegExp][] = [
    ['a missing model folder', () => ['--model', join(tmp, 'none'), '-q', 'q', '-d', docsFile], /\[RERANK_MODEL_NOT_FOUND\]: .*does not exist/],
    ['a missing --model', () => ['-q', 'q', '-d', docsFile], /^rerankit: error \[RERANK_USAGE\]: --model is required/],
    ['an empty query', () => ['--model', MODEL, '-q', '', '-d', docsFile], /\[RERANK_EMPTY_QUERY\]/],
    ['an empty documents file', () => ['--model', MODEL, '-q', 'q', '-d', file('empty.jsonl', '')], /\[RERANK_NO_DOCUMENTS\]: .*holds no documents/],
    ['a bad line, named by number', () => ['--model', MODEL, '-q', 'q', '-d', file('bad.jsonl', '"ok"\n"fine"\nnot json\n')], /\[RERANK_BAD_DOCUMENT\]: .*line 3: not JSON/],
    ['a non-string document', () => ['--model', MODEL, '-q', 'q', '-d', file('num.jsonl', '"ok"\n42\n')], /\[RERANK_BAD_DOCUMENT\]: .*line 2: expected a JSON string/],
    ['a missing documents file', () => ['--model', MODEL, '-q', 'q', '-d', join(tmp, 'nope.jsonl')], /\[RERANK_FILE\]: cannot read .*nope\.jsonl: no such file or folder\n$/],
    ['a missing dtype', () => ['--model', MODEL, '-q', 'q', '-d', docsFile, '--dtype', 'int8'], /\[RERANK_ONNX_NOT_FOUND\]: .*available/],
    ['a bad --top-k', () => ['--model', MODEL, '-q', 'q', '-d', docsFile, '--top-k', '0'], usage("option '-k, --top-k <n>' argument '0' is invalid. --top-k must be an integer >= 1")],
    ['a bad --long-documents', () => ['--model', MODEL, '-q', 'q', '-d', docsFile, '--long-documents', 'split'], /\[RERANK_USAGE\]: --long-documents must be/],
    ['a missing required option', () => ['--model', MODEL, '-q', 'q'], usage("required option '-d, --documents <file\\|->' not specified")],
    ['an unknown option', () => ['--model', MODEL, '-q', 'q', '-d', docsFile, '--max-lenght', '8'], usage("unknown option '--max-lenght' \\(Did you mean --max-length\\?\\)")],
    ['an option value missing', () => ['--model', MODEL, '-q', 'q', '-d'], usage("option '-d, --documents <file\\|->' argument missing")],
    ['a flag of another kind', () => ['--model', MODEL, '-q', 'q', '-d', docsFile, '--window', '4'], usage('--window does not apply to --reranker cross-encoder')],
    ['an unknown kind', () => ['--reranker', 'cross-encodr', '-q', 'q', '-d', docsFile], /^rerankit: error \[RERANK_BAD_OPTION\]: unknown reranker "cross-encodr" \(known: cross-encoder, /],
  ];
  for (const [what, args, pattern] of bad) {
    test(`${what}: one line on stderr, exit code 1`, () => {
      const r = cli(['rerank', ...args()]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, pattern);
      assert.match(r.stderr, /^rerankit: error \[RERANK_[A-Z_]+\]: /, 'one format, with the code');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/, 'no stack trace');
      assert.equal(r.stdout, '');
    });
  }
});

describe('rerankit help', () => {
  test('--help lists the commands without loading onnxruntime', () => {
    const r = cli(['--help'], undefined, ['--import', TRACE]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /rerank \[options\]/);
    assert.doesNotMatch(r.stderr, /onnxruntime|tokenizers/);
    assert.match(r.stderr, /IMPORT .*commander/, 'the import trace works');
  });
  test('rerank --help shows the options', () => {
    const r = cli(['rerank', '--help']);
    assert.equal(r.code, 0);
    for (const flag of ['--model', '--query', '--documents', '--top-k', '--threshold', '--max-length', '--dtype', '--long-documents']) assert.ok(r.stdout.includes(flag), flag);
  });
  test('an unknown command fails with exit code 1, in the one error format', () => {
    const r = cli(['frobnicate']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^rerankit: error \[RERANK_USAGE\]: unknown command 'frobnicate' \(see rerankit --help\)\n$/);
  });
  test('--version and help are not errors', () => {
    const v = cli(['--version']);
    assert.deepEqual([v.code, v.stdout.trim(), v.stderr], [0, '0.1.0', '']);
    const h = cli(['help', 'rerank']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /--top-k/);
  });
});
