// The command line as a new user meets it (issue 10): every mistake is one line
// `rerankit: error [CODE]: <words>` with exit code 1, nothing succeeds silently (pointless input is a
// warning on stderr), flags mean one thing across commands, every --help ends with examples, long jobs
// show labelled progress and survive Ctrl-C with the terminal restored. Errors run the real bin.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as root from '../src/index.js';
import { rerankerKinds } from '../src/registry.js';
import { duration, progressBar, stagedProgress } from '../src/util/progress.js';
import { modelDir } from './helpers/fixtures.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'rerankit.js');
const MODEL = modelDir('bert-ce-tiny');
const FIX = join(ROOT, 'test', 'fixtures', 'eval');
const tmp = mkdtempSync(join(tmpdir(), 'rerankit-newcomer-'));
const file = (name: string, content: string | Buffer) => {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
};

interface Result { code: number | null; stdout: string; stderr: string }

/** The bin runs dist/: rebuilt when a CLI source is newer than the build (`npm test` builds first anyway). */
function ensureBuilt(): void {
  const built = join(ROOT, 'dist', 'cli', 'main.js');
  const newest = Math.max(...['src/cli', 'src/cli/commands', 'src/util', 'src/server', 'src/models', 'src/retrieval'].flatMap((d) => readdirSync(join(ROOT, d)).map((f) => statSync(join(ROOT, d, f)).mtimeMs)));
  if (existsSync(built) && statSync(built).mtimeMs >= newest) return;
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    // tsc still emits when another area has a type error; the assertions below decide.
  }
}

/** Runs the bin without blocking this process (the fake LLM below answers from here). */
function cli(args: string[], o: { env?: Record<string, string>; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: o.cwd ?? ROOT, env: { ...process.env, HF_HUB_OFFLINE: '1', ...o.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(o.input ?? '');
  });
}

/** One line on stderr in the one error format, exit code 1, nothing on stdout. */
function oneError(r: Result, code: string, words: RegExp, what: string): void {
  assert.equal(r.code, 1, `${what}: exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '', `${what}: nothing on stdout`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${what}: one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, new RegExp(`^rerankit: error \\[${code}\\]: `), what);
  assert.match(lines[0]!, words, what);
  if (code === 'RERANK_USAGE') assert.match(lines[0]!, /\(see rerankit (\w+ )?--help\)$/, `${what}: a usage error points at the help`);
  assert.doesNotMatch(r.stderr, /unexpected error|\bE[A-Z]{3,}\b(?!_)/, `${what}: no "unexpected error", no raw errno name`);
}

/** Runs a table of cases concurrently, each checked by oneError. */
async function errors(cases: [string, string[], string, RegExp, Parameters<typeof cli>[1]?][]): Promise<void> {
  const results = await Promise.all(cases.map(([, args, , , o]) => cli(args, o)));
  cases.forEach(([what, , code, words], i) => oneError(results[i]!, code, words, what));
}

const usage = (cmd: string) => new RegExp(`\\(see rerankit ${cmd} --help\\)$`);
let docs: string;

/** An OpenAI-compatible endpoint that answers "yes" to everything after `delayMs`: a slow LLM reranker. */
let llm: { url: string; server: Server; delayMs: number };
before(async () => {
  ensureBuilt();
  docs = file('docs.jsonl', '"Paris is the capital of France."\n{"text": "Berlin is in Germany."}\n"Crocs Kids\' Baya Clog"\n');
  const state = { delayMs: 0 };
  const server = createServer(async (req, res) => {
    for await (const _ of req);
    await new Promise((r) => setTimeout(r, state.delayMs));
    res.setHeader('content-type', 'application/json');
    const top = [{ token: 'Yes', logprob: -0.2 }, { token: 'No', logprob: -1.8 }];
    res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'Yes' }, logprobs: { content: [{ token: 'Yes', logprob: -0.2, top_logprobs: top }] } }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  llm = Object.assign(state, { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` });
});
after(async () => {
  llm?.server.closeAllConnections();
  await new Promise((r) => llm?.server.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

describe('rerank: input is checked, never read silently wrong', { concurrency: true }, () => {
  test('numbers: 0x2 is not 2, and --threshold must lie where scores lie', async () => {
    await errors([
      ['--top-k 0x2', ['rerank', '--model', MODEL, '-q', 'q', '-d', docs, '--top-k', '0x2'], 'RERANK_USAGE', /argument '0x2' is invalid\. --top-k must be an integer >= 1 /],
      ['--threshold 2', ['rerank', '--model', MODEL, '-q', 'q', '-d', docs, '--threshold', '2'], 'RERANK_USAGE', /--threshold must be between 0 and 1/],
      ['--threshold -1', ['rerank', '--model', MODEL, '-q', 'q', '-d', docs, '--threshold', '-1'], 'RERANK_USAGE', /--threshold must be between 0 and 1.*\(see rerankit rerank --help\)$/],
    ]);
  });

  test('documents: non-UTF-8 bytes are refused by line; a BOM and blank lines are fine', async () => {
    const latin1 = Buffer.concat([Buffer.from('"ok"\n\n"caf'), Buffer.from([0xe9]), Buffer.from('"\n')]);
    const clean = ['"Paris is the capital of France."', '{"text": "Berlin is in Germany."}'];
    const [bad, bom, plain] = await Promise.all([
      cli(['rerank', '--model', MODEL, '-q', 'q', '-d', file('latin1.jsonl', latin1)]),
      cli(['rerank', '--model', MODEL, '-q', 'capital', '-d', file('bom.jsonl', `\uFEFF${clean[0]}\r\n\r\n  \n${clean[1]}\n\n`)]),
      cli(['rerank', '--model', MODEL, '-q', 'capital', '-d', file('plain.jsonl', clean.join('\n'))]),
    ]);
    oneError(bad, 'RERANK_BAD_DOCUMENT', /latin1\.jsonl line 3: not UTF-8 text/, 'latin-1 byte on line 3');
    assert.equal(bom.code, 0, bom.stderr);
    assert.equal(bom.stderr, '');
    assert.equal(JSON.parse(bom.stdout).results.length, 2, 'two documents: the blank lines are skipped');
    assert.deepEqual(JSON.parse(bom.stdout), JSON.parse(plain.stdout), 'the same documents as the file without BOM and blank lines');
  });

  test('files and model paths in words: no such file, not a model folder, not a hub lookup', async () => {
    const parent = join(tmp, 'proj');
    mkdirSync(join(parent, 'models'), { recursive: true });
    await errors([
      ['missing documents file', ['rerank', '--model', MODEL, '-q', 'q', '-d', join(tmp, 'nope.jsonl')], 'RERANK_FILE', /cannot read .*nope\.jsonl: no such file or folder$/],
      ['a folder as documents', ['rerank', '--model', MODEL, '-q', 'q', '-d', tmp], 'RERANK_FILE', /cannot read .*: it is a folder, not a file$/],
      ['a file as --model', ['rerank', '--model', docs, '-q', 'q', '-d', docs], 'RERANK_MODEL_INVALID', /docs\.jsonl is a file, not a model folder/],
      ['./missing folder', ['rerank', '--model', './models/bert-ce-tiny', '-q', 'q', '-d', docs], 'RERANK_MODEL_NOT_FOUND', /^rerankit: error \[RERANK_MODEL_NOT_FOUND\]: model folder \.\/models\/bert-ce-tiny does not exist$/],
      // "models/x" is also a valid hub id: beside a models/ folder it is a missing folder, elsewhere both readings are named.
      ['models/x beside models/', ['rerank', '--model', 'models/bert-ce-tiny', '-q', 'q', '-d', docs], 'RERANK_MODEL_NOT_FOUND', /model folder models\/bert-ce-tiny does not exist/, { cwd: parent }],
      ['models/x elsewhere', ['rerank', '--model', 'models/bert-ce-tiny', '-q', 'q', '-d', docs], 'RERANK_OFFLINE', /models\/bert-ce-tiny is not a local folder \(no such folder\), and as a hub id: /],
      ['a compare qrels folder', ['compare', '--qrels', tmp, '--run', docs, '--run', docs], 'RERANK_FILE', /it is a folder, not a file$/],
    ]);
  });

  test('pointless but valid input is a warning on stderr: --revision on a folder, -m for --model', async () => {
    const r = await cli(['rerank', '-m', MODEL, '--revision', 'v2', '-q', 'capital', '-d', docs]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, `rerankit: warning: -m for --model is deprecated: -m is the measure in eval, compare and analyze; write --model
rerankit: warning: --revision applies to hub ids; ${MODEL} is a local folder, so --revision v2 changes nothing
`);
    assert.equal(JSON.parse(r.stdout).results.length, 3, '-m is still --model');
  });

  test('-d - on a terminal says what it waits for', { skip: !hasScript() && 'needs script(1) for a terminal' }, async () => {
    const r = await inTerminal(['rerank', '--model', MODEL, '-q', 'capital', '-d', '-'], [[/reading documents/, '"Paris is the capital of France."\n\x04']]);
    assert.match(r.out, /rerankit: reading documents \(one JSON string or \{"text": \.\.\.\} per line\) from the terminal; end with Ctrl-D/);
    assert.match(r.out, /\{"results":\[\{"index":0,"score":/);
  });
});

describe('eval: flags shared with rerank, checked before the work', { concurrency: true }, () => {
  const xquad = join(FIX, 'xquad-zh');
  test('mistakes fail at once, in words', async () => {
    await errors([
      ['--run-out on a folder', ['eval', '--dataset', xquad, '--retriever', 'bm25', '--run-out', tmp], 'RERANK_USAGE', /--run-out .* is a folder; give a file name/],
      ['--run-out in a missing folder', ['eval', '--dataset', xquad, '--retriever', 'bm25', '--run-out', join(tmp, 'no', 'x.run')], 'RERANK_FILE', /the folder .*no does not exist$/],
      ['--split on a SciFact folder', ['eval', '--dataset', join(FIX, 'scifact'), '--retriever', 'bm25', '--split', 'dev'], 'RERANK_USAGE', /--split applies to BEIR folders; .*scifact is a scifact folder/],
      ['--split dev on BEIR without it', ['eval', '--dataset', xquad, '--retriever', 'bm25', '--split', 'dev'], 'RERANK_FILE', /qrels\/dev\.tsv not found \(test\.tsv\)/],
      ['a reranker kind without its endpoint', ['eval', '--dataset', xquad, '--retriever', 'bm25', '--reranker', 'listwise'], 'RERANK_BAD_OPTION', /listwise needs an OpenAI-compatible endpoint \(--llm-base-url\)/],
      ['--reranker cross-encoder without --model', ['eval', '--dataset', xquad, '--retriever', 'bm25', '--reranker', 'cross-encoder'], 'RERANK_USAGE', /--model is required/],
      ['a reranker option without a reranker', ['eval', '--dataset', xquad, '--retriever', 'bm25', '--dtype', 'int8'], 'RERANK_USAGE', /--dtype is a reranker option, but no reranker is given/],
      ['vector without --embed-model', ['eval', '--dataset', xquad, '--retriever', 'vector'], 'RERANK_USAGE', /--retriever vector needs --embed-model/],
      ['a flag the kind does not take', ['eval', '--dataset', xquad, '--retriever', 'bm25', '--model', MODEL, '--window', '4'], 'RERANK_USAGE', /--window does not apply to --reranker cross-encoder \(see rerankit eval --help\)$/],
    ]);
  });

  test('old spellings still work and say the new one: --reranker <model>, --reranker-kind', async () => {
    const [model, kind] = await Promise.all([
      cli(['eval', '--dataset', xquad, '--retriever', 'bm25', '--reranker', MODEL, '--first-stage-k', '5', '--max-queries', '2', '--json']),
      cli(['eval', '--dataset', xquad, '--retriever', 'bm25', '--reranker-kind', 'listwise']),
    ]);
    assert.equal(model.code, 0, model.stderr);
    assert.match(model.stderr, /^rerankit: warning: --reranker takes a kind \(as in rerankit rerank\); reading ".*bert-ce-tiny" as --model .*\n$/);
    const lines = kind.stderr.trimEnd().split('\n');
    assert.equal(kind.code, 1);
    assert.match(lines[0]!, /^rerankit: warning: --reranker-kind is now --reranker/);
    assert.match(lines[1]!, /^rerankit: error \[RERANK_BAD_OPTION\]: listwise needs an OpenAI-compatible endpoint/);
  });

  test('--run-out holds the real scores: BM25 scores without a reranker, the reranker\'s on top', async () => {
    const bm25Out = join(tmp, 'bm25.run');
    const ceOut = join(tmp, 'ce.run');
    const [a, b] = await Promise.all([
      cli(['eval', '--dataset', xquad, '--retriever', 'bm25', '--first-stage-k', '5', '--max-queries', '3', '--run-out', bm25Out]),
      cli(['eval', '--dataset', xquad, '--retriever', 'bm25', '--model', MODEL, '--first-stage-k', '5', '--top-k', '5', '--max-queries', '3', '--run-out', ceOut]),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const ds = await root.loadBeir(xquad);
    const bm25 = await root.buildRetriever('bm25', ds.docs.map((d) => ({ id: d.id, text: d.title ? `${d.title} ${d.text}` : d.text })));
    const ce = await root.CrossEncoder.load(MODEL);
    try {
      const runOf = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => l.split(' '));
      const bmRun = runOf(bm25Out);
      const ceRun = runOf(ceOut);
      for (const [qid, query] of [...ds.queries].slice(0, 3)) {
        const hits = await bm25.search(query, 5);
        const mine = bmRun.filter((f) => f[0] === qid);
        const byId = (xs: [string, number][]) => xs.sort((x, y) => x[0].localeCompare(y[0]));
        assert.deepEqual(byId(mine.map((f) => [f[2]!, Number(f[4])])), byId(hits.map((h) => [h.id, h.score])), `BM25 scores of ${qid}`);
        const ranked = await ce.rerank(query, hits.map((h) => h.text ?? ''));
        const reranked = ceRun.filter((f) => f[0] === qid);
        assert.deepEqual(reranked.map((f) => f[2]), ranked.map((r) => hits[r.index]!.id), `reranked order of ${qid}`);
        reranked.forEach((f, i) => assert.ok(Math.abs(Number(f[4]) - ranked[i]!.score) < 1e-6, `${qid}: ${f[4]} vs ${ranked[i]!.score}`));
      }
    } finally {
      await ce.close();
    }
  });

  test('--qrels takes the BEIR qrels/test.tsv too, with the same numbers as its TREC form', async () => {
    const beir = join(xquad, 'qrels', 'test.tsv');
    const trec = file('qrels.trec', readFileSync(beir, 'utf8').split('\n').slice(1).filter(Boolean).map((l) => { const [q, d, r] = l.split('\t'); return `${q} 0 ${d} ${r}`; }).join('\n'));
    const run = file('x.run', readFileSync(beir, 'utf8').split('\n').slice(1).filter(Boolean).map((l, i) => `${l.split('\t')[0]} Q0 ${l.split('\t')[1]} 1 ${i % 3} t`).join('\n'));
    const [a, b] = await Promise.all([cli(['eval', '--qrels', beir, '--run', run, '--json']), cli(['eval', '--qrels', trec, '--run', run, '--json'])]);
    assert.equal(a.code, 0, a.stderr);
    assert.deepEqual(JSON.parse(a.stdout), JSON.parse(b.stdout));
  });

  test('the LLM flags of rerank work in eval, and Ctrl-C restores the cursor and says how far it got', { skip: !hasScript() && 'needs script(1) for a terminal' }, async () => {
    const cands = file('cands.jsonl', [1, 2, 3, 4, 5].map((i) => JSON.stringify({ qid: `q${i}`, query: `query ${i}`, candidates: [{ docid: 'd1', text: 'a' }, { docid: 'd2', text: 'b' }] })).join('\n'));
    const qrels = file('cands.qrels', 'q1 0 d1 1\nq2 0 d2 1\n');
    llm.delayMs = 0;
    const done = await cli(['eval', '--candidates', cands, '--qrels', qrels, '--reranker', 'pointwise', '--llm-base-url', llm.url, '--llm-model', 'm', '-m', 'P_1', '--json']);
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(JSON.parse(done.stdout).all.P_1, 0.5, 'both documents score the same: the tie goes to the higher docid, d2 (trec_eval), relevant for q2 only');
    llm.delayMs = 300;
    const r = await inTerminal(['eval', '--candidates', cands, '--qrels', qrels, '--reranker', 'pointwise', '--llm-base-url', llm.url, '--llm-model', 'm'], [[/2\/5 queries/, '\x03']]);
    assert.match(r.out, /\[1\/1\] rerank +\[[░█]+\] 0% 0\/5 queries \| 0s \| eta …/, 'a labelled bar from the start');
    assert.match(r.out, /eta \d+s/, 'an estimate once queries are done');
    const hidden = r.out.indexOf('\x1b[?25l');
    assert.ok(hidden >= 0 && r.out.indexOf('\x1b[?25h', hidden) > hidden, 'the cursor is shown again');
    assert.match(r.out, /rerankit: interrupted during rerank: [23] of 5 queries done/);
    assert.notEqual(r.code, 0);
  });
});

describe('index and search: user mistakes in words, never a hang', { concurrency: true }, () => {
  test('--out that cannot be a folder', async () => {
    await errors([
      ['/proc/x (recursive mkdir loops there)', ['index', '--corpus', join(ROOT, 'examples', 'docs.jsonl'), '--out', '/proc/rerankit-x'], 'RERANK_FILE', /cannot create the folder \/proc\/rerankit-x: (the file system of \/proc does not allow new folders|permission denied)$/, { timeoutMs: 10_000 }],
      ['an unwritable place', ['index', '--corpus', join(ROOT, 'examples', 'docs.jsonl'), '--out', '/sys/rerankit-x'], 'RERANK_FILE', /cannot create the folder \/sys\/rerankit-x: (operation not permitted|permission denied)$/],
      ['under a file', ['index', '--corpus', join(ROOT, 'examples', 'docs.jsonl'), '--out', join(docs, 'x')], 'RERANK_FILE', /docs\.jsonl is a file, not a folder$/],
      ['a file', ['index', '--corpus', join(ROOT, 'examples', 'docs.jsonl'), '--out', docs], 'RERANK_BAD_OPTION', /exists and is not a folder$/],
      ['vector without --embed-model', ['index', '--corpus', docs, '--out', join(tmp, 'v'), '--retriever', 'vector'], 'RERANK_USAGE', /--embed-model is required for --retriever vector/],
    ]);
  });

  test('the sample file and the raw SciFact folder index; fusion flags on a one-retriever index are refused', async () => {
    const idx = join(tmp, 'idx-docs');
    const [sample, scifact] = await Promise.all([
      cli(['index', '--corpus', join(ROOT, 'examples', 'docs.jsonl'), '--out', idx, '--json']),
      cli(['index', '--corpus', join(FIX, 'scifact'), '--out', join(tmp, 'idx-sf'), '--json']),
    ]);
    assert.equal(sample.code, 0, sample.stderr);
    assert.equal(JSON.parse(sample.stdout).documents, readFileSync(join(ROOT, 'examples', 'docs.jsonl'), 'utf8').trim().split('\n').length);
    assert.equal(scifact.code, 0, scifact.stderr);
    assert.equal(JSON.parse(scifact.stdout).documents, (await root.loadSciFact(join(FIX, 'scifact'))).docs.length);
    const hit = await cli(['search', '--index', idx, '-q', 'capital of Germany', '-k', '1']);
    assert.match(hit.stdout, /^1\t[\d.]+\tberlin\t/);
    await errors([
      ['--fusion on bm25', ['search', '--index', idx, '-q', 'x', '--fusion', 'weighted', '--weights', '0.3', '--weights', '0.7'], 'RERANK_USAGE', /--fusion applies to hybrid indexes; .* is a bm25 index with one retriever/],
      ['--weights on bm25', ['search', '--index', idx, '-q', 'x', '--weights', '1'], 'RERANK_USAGE', /--weights applies to hybrid indexes/],
    ]);
  });
});

describe('serve: settings and models are checked before "listening"', { concurrency: true }, () => {
  test('a bad level, count, key or folder is one line and no port is bound', async () => {
    const zero = file('zero.yaml', 'max-documents: 0\n');
    const typo = file('typo.yaml', `models:\n  - name: tiny\n    model: ${MODEL}\n    dtyp: int8\n`);
    await errors([
      ['--log-level loud', ['serve', '--model', MODEL, '--port', '0', '--log-level', 'loud'], 'RERANK_BAD_OPTION', /log-level|logLevel/],
      ['YAML max-documents: 0', ['serve', '--config', zero, '--model', MODEL, '--port', '0'], 'RERANK_BAD_OPTION', /zero\.yaml: maxDocuments: must be an integer >= 1, got 0$/],
      ['YAML model key typo', ['serve', '--config', typo, '--port', '0'], 'RERANK_BAD_OPTION', /model "tiny": cross-encoder: unknown option "dtyp" \(did you mean "dtype"\?\)$/],
      ['a missing folder', ['serve', '--model', './no-such-model', '--port', '0'], 'RERANK_MODEL_NOT_FOUND', /model folder \.\/no-such-model does not exist$/],
      ['an env count in hex', ['serve', '--model', MODEL, '--port', '0'], 'RERANK_BAD_OPTION', /environment: maxQueue: expected an integer, got "0x2"$/, { env: { RERANKIT_MAX_QUEUE: '0x2' } }],
      ['offline and not cached', ['serve', '--port', '0'], 'RERANK_OFFLINE', /not in the Hugging Face cache .* HF_HUB_OFFLINE is set$/, { env: { HF_HUB_CACHE: join(tmp, 'empty-cache') } }],
    ]);
  });
});

describe('help: examples everywhere, kinds listed', { concurrency: true }, () => {
  const commands = ['rerank', 'pull', 'quantize', 'serve', 'eval', 'compare', 'analyze', 'index', 'search', 'bench'];
  test('every --help ends with two or three examples that use only flags the command has', async () => {
    const helps = await Promise.all([cli(['--help']), ...commands.map((c) => cli([c, '--help']))]);
    for (const [i, h] of helps.entries()) {
      const cmd = i === 0 ? '' : commands[i - 1]!;
      assert.equal(h.code, 0, h.stderr);
      const m = /\nExamples:\n((?: {2}.+\n)+)(?:\n.*\n)?$/.exec(h.stdout);
      assert.ok(m, `${cmd || 'rerankit'} --help ends with examples:\n${h.stdout}`);
      const examples = m[1]!.trimEnd().split('\n').map((l) => l.trim());
      assert.ok(examples.length >= 2 && examples.length <= 3, `${cmd}: ${examples.length} examples`);
      if (!cmd) continue;
      const flags = new Set([...h.stdout.matchAll(/(?:^|\s|,)(--?[a-z][\w-]*)/gm)].map((x) => x[1]));
      for (const ex of examples) {
        const words = ex.replace(/#.*$/, '').split(/\s+/);
        assert.ok(words.includes(cmd) && words[words.indexOf(cmd) - 1] === 'rerankit', `${cmd}: "${ex}" runs rerankit ${cmd}`);
        for (const w of words.slice(words.indexOf(cmd) + 1)) if (/^--?[a-z]/.test(w)) assert.ok(flags.has(w), `${cmd}: example flag ${w} is in the help`);
      }
    }
  });

  test('rerank --help lists every registered reranker kind, and says --reranker is a kind in eval too', async () => {
    const [rerank, evalHelp] = await Promise.all([cli(['rerank', '--help']), cli(['eval', '--help'])]);
    const line = /--reranker <kind>\s+reranker kind: ([^(\n]+)/.exec(rerank.stdout.replace(/\n\s+/g, ' '));
    assert.ok(line, rerank.stdout);
    for (const k of rerankerKinds()) assert.match(line[1]!, new RegExp(`\\b${k}\\b`), k);
    for (const h of [rerank.stdout, evalHelp.stdout]) {
      assert.match(h, /Reranker options \(the same in rerank and eval\):/);
      for (const flag of ['--reranker <kind>', '--model <id|folder>', '--llm-base-url', '--api-base-url', '--dtype']) assert.ok(h.includes(flag), flag);
    }
    assert.match(evalHelp.stdout, /-m, --metric <name>/, 'eval -m is the measure');
    assert.doesNotMatch(evalHelp.stdout, /--reranker-kind/);
  });

  test('a usage error names the command\'s help', async () => {
    await errors([['a missing value', ['search', '--index'], 'RERANK_USAGE', usage('search')]]);
  });
});

describe('library and scripts the docs name', { concurrency: true }, () => {
  test('the collection loaders are exported from the root', () => {
    for (const name of ['loadCranfield', 'loadCisi', 'loadNovelEval', 'loadSciFact', 'loadBeir', 'loadDataset', 'TwoStageRetriever', 'CachedReranker', 'prepareIndexDir']) {
      assert.equal(typeof (root as Record<string, unknown>)[name], 'function', name);
    }
  });

  test('bench/retrieval-scifact.ts without its datasets prints its usage', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'retrieval-scifact.ts'), join(tmp, 'no-datasets')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^usage: node --import tsx bench\/retrieval-scifact\.ts \[datasets folder\]\n[\s\S]*Not found in .*no-datasets: scifact, xquad-r-zh-dev\.\n$/);
  });
});

describe('progress bars: one style, labelled stages, an estimate', { concurrency: true }, () => {
  const tty = () => Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
  test('a stage of a job is drawn as [i/n] stage, counts, elapsed time and eta; stop shows the cursor', async () => {
    const stream = tty();
    let out = '';
    stream.on('data', (d: Buffer) => (out += d));
    const job = await stagedProgress(['index', 'embed'], { stream, unit: 'documents' });
    job.update(0, 4, 'index');
    job.update(4, 4, 'index');
    job.update(2, 4, 'embed');
    job.stop();
    assert.match(out, /\[1\/2\] index +\[░{20}\] 0% 0\/4 documents \| 0s \| eta …/);
    assert.match(out, /\[2\/2\] embed +\[█{10}░{10}\] 50% 2\/4 documents \| 0s \| eta /);
    assert.equal(out.split('\x1b[?25l').length, 3, 'one bar at a time hides the cursor');
    assert.equal(out.split('\x1b[?25h').length, 3, 'and each shows it again');
    const hidden = await progressBar('x', { stream: Object.assign(new PassThrough(), { isTTY: false }) });
    hidden.update(1, 2);
    hidden.stop();
  });
  test('durations read as people write them', () => {
    assert.deepEqual([0, 42.4, 185, 3720, 7199].map(duration), ['0s', '42s', '3m05s', '1h02m', '1h59m']);
  });
});

function hasScript(): boolean {
  return spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
}

/**
 * Runs the bin in a real terminal (script(1) gives it a pty; stdout and stderr arrive together) and
 * types each answer once its prompt has appeared in the output; Ctrl-C (\x03) reaches it as SIGINT.
 */
function inTerminal(args: string[], script: [RegExp, string][]): Promise<{ out: string; code: number | null }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, HF_HUB_OFFLINE: '1' } });
    let out = '';
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`no end within 15 s:\n${out}`))), 15_000);
    const steps = [...script];
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      while (steps.length && steps[0]![0].test(out)) child.stdin.write(steps.shift()![1]);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ out: out.replace(/\r\n/g, '\n'), code });
    });
  });
}

describe('output into a pipe that closes early', () => {
  test('`rerankit fuse ... | head -1` ends quietly with status 0, not an EPIPE crash', async () => {
    // Runs big enough (~2 MB fused) that the output outlasts the pipe's buffer.
    const dir = mkdtempSync(join(tmpdir(), 'rerankit-epipe-'));
    const run = (tag: string) => Array.from({ length: 40_000 }, (_, i) => `q${i % 40} Q0 d${i} ${i % 1000} ${(i * 7919) % 1000} ${tag}`).join('\n') + '\n';
    writeFileSync(join(dir, 'a.run'), run('a'));
    writeFileSync(join(dir, 'b.run'), run('b'));
    const child = spawn(process.execPath, [BIN, 'fuse', '--run', join(dir, 'a.run'), '--run', join(dir, 'b.run'), '--method', 'rrf'], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy()); // the reader takes one chunk and leaves, as head does
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE/);
  });
});
