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
      assert.ok(Math.abs(x.score - lib[i].score) < 1e-6);
      assert.equal(x.logits.length, 1);
    });
  });

  test('reads stdin and honours --top-k and --threshold', () => {
    const r = cli(['rerank', '-m', MODEL, '-q', 'capital of france', '-d', '-', '--top-k', '2'], docs.map((d) => JSON.stringify(d)).join('\n'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).results.length, 2);
    const t = cli(['rerank', '-m', MODEL, '-q', 'capital of france', '-d', docsFile, '--threshold', '2']);
    assert.deepEqual(JSON.parse(t.stdout).results, []);
  });

  const bad: [string, () => string[], RegExp][] = [
    ['a missing model folder', () => ['--model', join(tmp, 'none'), '-q', 'q', '-d', docsFile], /RERANK_MODEL_NOT_FOUND.*does not exist/],
    ['a missing --model', () => ['-q', 'q', '-d', docsFile], /--model is required/],
    ['an empty query', () => ['-m', MODEL, '-q', '', '-d', docsFile], /RERANK_EMPTY_QUERY/],
    ['an empty documents file', () => ['-m', MODEL, '-q', 'q', '-d', file('empty.jsonl', '')], /holds no documents/],
    ['a bad line, named by number', () => ['-m', MODEL, '-q', 'q', '-d', file('bad.jsonl', '"ok"\n"fine"\nnot json\n')], /line 3: not JSON/],
    ['a non-string document', () => ['-m', MODEL, '-q', 'q', '-d', file('num.jsonl', '"ok"\n42\n')], /line 2: expected a JSON string/],
    ['a missing documents file', () => ['-m', MODEL, '-q', 'q', '-d', join(tmp, 'nope.jsonl')], /cannot read .*ENOENT/],
    ['a missing dtype', () => ['-m', MODEL, '-q', 'q', '-d', docsFile, '--dtype', 'int8'], /RERANK_ONNX_NOT_FOUND.*available/],
    ['a bad --top-k', () => ['-m', MODEL, '-q', 'q', '-d', docsFile, '--top-k', '0'], /--top-k must be an integer/],
    ['a bad --long-documents', () => ['-m', MODEL, '-q', 'q', '-d', docsFile, '--long-documents', 'split'], /--long-documents must be/],
  ];
  for (const [what, args, pattern] of bad) {
    test(`${what}: one line on stderr, exit code 1`, () => {
      const r = cli(['rerank', ...args()]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, pattern);
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
  test('an unknown command fails with exit code 1', () => {
    const r = cli(['frobnicate']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown command/);
  });
});
