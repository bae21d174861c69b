// What ships and what loads: `import 'rerankit'` loads no native module (an import trace of the built
// dist/), and the packed tarball, installed into an empty project, runs `rerank`, `serve` and `bench`.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CrossEncoder } from '../src/index.js';
import { modelDir } from './helpers/fixtures.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist', 'index.js');
const HEAVY = ['onnxruntime-node', 'onnxruntime-common', 'tokenizers', 'usearch', 'fastify', 'prom-client', 'protobufjs'];

const tmp = mkdtempSync(join(tmpdir(), 'rerankit-package-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function run(cmd: string, args: string[], o: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, ...o, env: { ...process.env, HF_HUB_OFFLINE: '1', ...o.env } });
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

const TRACE = fileURLToPath(new URL('./helpers/load-trace.mjs', import.meta.url));

/** Runs an ES module script under the load trace: its output, the URLs it loaded and their packages. */
function traced(script: string) {
  const r = run(process.execPath, ['--import', TRACE, '--input-type=module', '-e', script], { cwd: ROOT });
  const urls = [...r.stderr.matchAll(/^LOADED (.+)$/gm)].map((m) => m[1]!);
  const packages = new Set(urls.flatMap((u) => [...u.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].map((m) => m[1]!).slice(-1)));
  return { ...r, urls, packages, stderr: r.stderr.replace(/^LOADED .+\n/gm, '') };
}

describe("import 'rerankit' (the built dist/)", () => {
  before(() => assert.ok(existsSync(DIST), `${DIST} is missing: run \`npm run build\` (npm test builds first)`));

  test('loads no native module and none of the server, vector or ONNX-format dependencies', () => {
    const r = traced(`const m = await import(${JSON.stringify(pathToFileURL(DIST).href)});
console.log(['CrossEncoder', 'BiEncoder', 'Bm25Index', 'startServer', 'quantizeFolder'].map((k) => typeof m[k]).join(' '));`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'function function function function function');
    assert.ok(r.urls.some((u) => u.endsWith('/dist/backends/onnx/cross-encoder.js')), 'the trace sees our own modules');
    for (const p of HEAVY) assert.ok(!r.packages.has(p), `import 'rerankit' loaded ${p}`);
    assert.ok(!r.urls.some((u) => u.endsWith('.node')), 'no native addon');
  });

  test('CrossEncoder.load then brings in onnxruntime-node and tokenizers, and scores as the source does', async () => {
    const docs = ['Paris is the capital of France.', 'Berlin is in Germany', ''];
    const r = traced(`const { CrossEncoder } = await import(${JSON.stringify(pathToFileURL(DIST).href)});
const m = await CrossEncoder.load(${JSON.stringify(modelDir('bert-ce-tiny'))});
console.log(JSON.stringify(await m.rerank('capital of france', ${JSON.stringify(docs)})));
await m.close();`);
    assert.equal(r.code, 0, r.stderr);
    for (const p of ['onnxruntime-node', 'tokenizers']) assert.ok(r.packages.has(p), `${p} loaded on first use`);
    for (const p of ['fastify', 'prom-client', 'usearch']) assert.ok(!r.packages.has(p), `${p} is not needed to rerank`);
    const model = await CrossEncoder.load(modelDir('bert-ce-tiny'));
    try {
      const expected = await model.rerank('capital of france', docs);
      const got = JSON.parse(r.stdout) as { index: number; score: number }[];
      assert.deepEqual(got.map((x) => x.index), expected.map((x) => x.index));
      got.forEach((x, i) => assert.ok(Math.abs(x.score - expected[i]!.score) < 1e-6));
    } finally {
      await model.close();
    }
  });
});

/** What a packed tarball may hold: the build (no source maps), the bin, the bench's inputs, the docs README links to, and npm's own files. */
const SHIPPED = /^(dist\/.+\.(js|d\.ts)|bin\/rerankit\.js|assets\/bench\/.+|assets\/ui\/[\w-]+\.(html|js|css)|docs\/[\w-]+\.md|docs\/images\/[\w-]+\.png|examples\/[\w./-]+|DESIGN\.md|package\.json|README\.md|LICENSE)$/;

function packedFiles(cwd: string, args: string[] = []): { filename: string; files: string[] } {
  const r = run('npm', ['pack', '--json', '--ignore-scripts', ...args], { cwd });
  assert.equal(r.code, 0, r.stderr);
  const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
  return { filename: info!.filename, files: info!.files.map((f) => f.path) };
}

describe('the packed package, installed into an empty project', () => {
  const stage = join(tmp, 'stage');
  const app = join(tmp, 'app');
  const model = join(tmp, 'models', 'bert-ce-tiny');
  const bin = join(app, 'node_modules', 'rerankit', 'bin', 'rerankit.js');
  const docs = ['Paris is the capital of France.', 'Berlin is in Germany', '机器学习中的正则化技术'];
  let staged: string[] = [];
  /** The source's ranking of `docs`, which the installed package must reproduce. */
  let expected: { index: number; score: number }[] = [];

  before(async () => {
    // A clean build of the working tree in a staging copy of the package, so stale files in ./dist never ship.
    mkdirSync(stage, { recursive: true });
    const tsc = run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json'), '--outDir', join(stage, 'dist')]);
    assert.ok(existsSync(join(stage, 'dist', 'index.js')), tsc.stdout + tsc.stderr);
    for (const f of ['package.json', 'README.md', 'LICENSE', 'DESIGN.md', 'docs', 'bin', 'assets', 'examples']) cpSync(join(ROOT, f), join(stage, f), { recursive: true });
    const packed = packedFiles(stage, ['--pack-destination', tmp]);
    const filename = packed.filename;
    staged = packed.files;
    mkdirSync(app);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    // What a dependent writes: the install-scripts policy (npm 11) denies onnxruntime-node's CUDA download.
    const manifest = { name: 'app', version: '1.0.0', private: true, type: 'module', dependencies: { rerankit: `file:../${filename}` }, allowScripts: { 'onnxruntime-node': false } };
    writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lockfileFor(manifest, pkg, filename), null, 2));
    // Offline, from the npm cache that `npm ci` of this repo filled; the variable is the skip for older npm.
    const ci = run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: app, env: { ONNXRUNTIME_NODE_INSTALL: 'skip' } });
    assert.equal(ci.code, 0, ci.stderr);
    cpSync(modelDir('bert-ce-tiny'), model, { recursive: true });
    const ce = await CrossEncoder.load(model);
    expected = await ce.rerank('capital of france', docs);
    await ce.close();
  });

  const sameRanking = (got: { index: number; score: number }[]) => {
    assert.deepEqual(got.map((x) => x.index), expected.map((x) => x.index));
    got.forEach((x, i) => assert.ok(Math.abs(x.score - expected[i]!.score) < 1e-6, `${x.score} vs ${expected[i]!.score}`));
  };

  test('ships the build, the bin, the bench inputs and the license, and nothing test-only', () => {
    const repo = packedFiles(ROOT, ['--dry-run']).files;
    for (const f of repo) assert.match(f, SHIPPED);
    for (const f of ['LICENSE', 'bin/rerankit.js', 'dist/index.js', 'dist/index.d.ts', 'dist/server/index.js', 'dist/bench/index.js', 'dist/quantize/index.js', 'assets/bench/bert-base-uncased/tokenizer.json', 'assets/bench/bert-base-uncased/vocab.txt', 'assets/bench/xlmr-tiny/tokenizer.json']) {
      assert.ok(staged.includes(f), `${f} is packed`);
    }
    assert.match(readFileSync(join(app, 'node_modules', 'rerankit', 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004/);
    assert.ok(!existsSync(join(app, 'node_modules', '@huggingface', 'transformers')), 'Transformers.js is not a dependency');
  });

  test('every relative link in the installed README and docs points at a file the package holds', () => {
    const pkgDir = join(app, 'node_modules', 'rerankit');
    const pages = ['README.md', 'DESIGN.md', ...docPages(pkgDir)];
    assert.ok(pages.length >= 7, pages.join(' '));
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(pkgDir, page), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!) || target!.startsWith('#')) continue;
        if (!existsSync(join(pkgDir, page, '..', target!.split('#')[0]!))) broken.push(`${page} → ${target}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  test("every name the docs import from 'rerankit' is exported by the installed package", () => {
    const pkgDir = join(app, 'node_modules', 'rerankit');
    const wanted = new Set<string>();
    for (const page of ['README.md', ...docPages(pkgDir)]) {
      const text = readFileSync(join(pkgDir, page), 'utf8');
      for (const [, names, from] of text.matchAll(/import \{([^}]+)\} from '([^']+)'/g)) {
        assert.ok(from === 'rerankit' || from!.startsWith('rerankit/') || !from!.startsWith('.'), `${page} imports from a path the package does not have: ${from}`);
        if (from === 'rerankit') for (const n of names!.split(',')) if (n.trim() && !n.trim().startsWith('type ')) wanted.add(n.trim());
      }
    }
    for (const n of ['loadCranfield', 'loadCisi', 'loadNovelEval', 'loadSciFact', 'loadBeir', 'loadDataset', 'TwoStageRetriever', 'CachedReranker']) wanted.add(n);
    const r = run(process.execPath, ['--input-type=module', '-e', `const m = await import('rerankit'); console.log(JSON.stringify(${JSON.stringify([...wanted])}.filter((n) => !(n in m))));`], { cwd: app });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [], 'names the docs import that the package does not export');
  });

  test("imports the root and each subpath; `import { CrossEncoder } from 'rerankit'` scores", () => {
    const r = run(process.execPath, ['--input-type=module', '-e', `import { CrossEncoder, Bm25Index } from 'rerankit';
import { startServer } from 'rerankit/server';
import { runBench, SHAPES } from 'rerankit/bench';
import { quantizeDynamic } from 'rerankit/quantize';
const m = await CrossEncoder.load(${JSON.stringify(model)});
const ranked = await m.rerank('capital of france', ${JSON.stringify(docs)});
console.log(JSON.stringify([typeof Bm25Index, typeof startServer, typeof runBench, Object.keys(SHAPES).includes('tiny'), typeof quantizeDynamic, ranked.map((r) => r.index)]));
await m.close();`], { cwd: app });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ['function', 'function', 'function', true, 'function', expected.map((x) => x.index)]);
  });

  test('the exports map gives TypeScript the declarations of the root and each subpath', () => {
    writeFileSync(join(app, 'check.ts'), `import { CrossEncoder, type RerankResult } from 'rerankit';
import { startServer } from 'rerankit/server';
import { runBench, type BenchReport } from 'rerankit/bench';
import { quantizeDynamic } from 'rerankit/quantize';
export const checks: [typeof CrossEncoder.load, typeof startServer, typeof runBench, typeof quantizeDynamic] = [CrossEncoder.load, startServer, runBench, quantizeDynamic];
export type Both = [RerankResult['score'], BenchReport['results']];
// @ts-expect-error: internals are not exported
import { benchModelsDir } from 'rerankit/dist/bench/paths.js';
`);
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = run(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules', '@types'), 'check.ts'], { cwd: app });
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  test('rerankit rerank prints the ranking', () => {
    const file = join(tmp, 'docs.jsonl');
    writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n'));
    const r = run(process.execPath, [bin, 'rerank', '--model', model, '--query', 'capital of france', '--documents', file], { cwd: app });
    assert.equal(r.code, 0, r.stderr);
    sameRanking((JSON.parse(r.stdout) as { results: { index: number; score: number }[] }).results);
  });

  test('rerankit serve answers /health and /v1/rerank, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--model', model, '--port', '0', '--log-level', 'silent'], { cwd: app, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not ready within 30 s: ${stderr}`)), 30_000);
        child.stderr.on('data', () => {
          const m = /listening on (\S+)[\s\S]*ready: bert-ce-tiny/.exec(stderr);
          if (m) clearTimeout(timer), resolve(m[1]!);
        });
        exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      assert.equal((await fetch(`${url}/health`)).status, 200);
      const res = await fetch(`${url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'capital of france', documents: docs }) });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { results: { index: number; relevance_score: number }[] };
      sameRanking(body.results.map((x) => ({ index: x.index, score: x.relevance_score })));
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, `serve exited with: ${stderr}`);
  });

  test('rerankit bench generates its model in the user cache and skips Transformers.js with one line', () => {
    const cache = join(tmp, 'xdg');
    const before = listTree(join(app, 'node_modules', 'rerankit'));
    const r = run(process.execPath, [bin, 'bench', '--model', 'tiny', '--workload', 'titles-10', '--runs', '1', '--compare', 'transformersjs', '--peak-size', '64', '--json', '--quiet'], {
      cwd: app,
      env: { XDG_CACHE_HOME: cache, RERANKIT_BENCH_DIR: '' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'bench: skipping transformersjs: @huggingface/transformers is not installed (it is optional: see "--compare" in docs/bench.md)\n');
    const rep = JSON.parse(r.stdout) as { model: { folder: string; layers: number }; results: { workload: string; pairs: number; contenders: Record<string, unknown> }[] };
    assert.equal(rep.model.folder, join(cache, 'rerankit', 'bench', 'models', 'tiny'));
    assert.equal(rep.model.layers, 2);
    assert.ok(existsSync(join(rep.model.folder, 'onnx', 'model.onnx')));
    assert.deepEqual(rep.results.map((x) => [x.workload, x.pairs, Object.keys(x.contenders)]), [['titles-10', 10, ['rerankit']]]);
    assert.deepEqual(listTree(join(app, 'node_modules', 'rerankit')), before, 'the bench writes nothing into the installed package');
  });
});

function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

interface LockEntry { dev?: boolean; [k: string]: unknown }

/**
 * A lockfile for the app: rerankit from the tarball, and the production part of this repo's own lock
 * (every entry not marked dev), whose tarballs `npm ci` here left in the npm cache. npm then installs
 * offline with no registry metadata, and a dependency missing from "dependencies" would be missing here.
 */
function lockfileFor(manifest: { name: string; version: string; dependencies: Record<string, string> }, pkg: Record<string, unknown>, tarball: string) {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { lockfileVersion: number; packages: Record<string, LockEntry> };
  const packages: Record<string, unknown> = { '': { name: manifest.name, version: manifest.version, dependencies: manifest.dependencies } };
  packages['node_modules/rerankit'] = { version: pkg.version, resolved: `file:../${tarball}`, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines };
  for (const [path, entry] of Object.entries(lock.packages)) if (path.startsWith('node_modules/') && !entry.dev) packages[path] = entry;
  return { name: manifest.name, version: manifest.version, lockfileVersion: lock.lockfileVersion, requires: true, packages };
}

/** The Markdown pages under the installed package's docs/ (docs/images holds the screenshots). */
function docPages(pkgDir: string): string[] {
  return readdirSync(join(pkgDir, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
}
