import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BiEncoder } from '../src/backends/onnx/bi-encoder.js';
import { buildRetriever, HybridRetriever, loadIndex, openIndex, saveRetriever } from '../src/retrieval/index.js';

const ROOT = join(import.meta.dirname, '..');
const MODEL = join(ROOT, 'test', 'fixtures', 'models', 'bert-embed-tiny');
const tmp = mkdtempSync(join(tmpdir(), 'rerankit-store-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const docs = [
  { id: 'd1', text: 'Vitamin B12 deficiency raises homocysteine levels' },
  { id: 'd2', text: 'Exercise lowers blood pressure in adults' },
  { id: 'd3', text: 'Homocysteine and cardiovascular risk' },
];

/** Runs a TypeScript file with tsx; resolves with stdout once `until` appears (then leaves it running) or on exit. */
function runTs(args: string[], until?: RegExp): Promise<{ out: string; code: number | null; child: ReturnType<typeof spawn> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (until?.test(out)) resolve({ out, code: null, child });
    });
    child.stderr!.on('data', (d: Buffer) => (err += d));
    child.on('exit', (code) => resolve({ out: out + err, code, child }));
  });
}

describe('retrieval persistence', () => {
  it('BM25: save → load gives identical results and keeps language, k1, b', async () => {
    const dir = join(tmp, 'bm25');
    const r = await buildRetriever('bm25', docs, { language: 'en', k1: 1.2, b: 0.75 });
    await saveRetriever(dir, r);
    const loaded = await openIndex(dir);
    assert.deepEqual(await loaded.search('homocysteine vitamin', 3), await r.search('homocysteine vitamin', 3));
    const { manifest } = await loadIndex(dir);
    assert.deepEqual([manifest.kind, manifest.documents, manifest.bm25?.language, manifest.bm25?.k1, manifest.bm25?.b], ['bm25', 3, 'en', 1.2, 0.75]);
  });

  it('vector (exact and ANN) and hybrid indexes round-trip, re-loading the bi-encoder the manifest names', async () => {
    const enc = await BiEncoder.load(MODEL);
    try {
      for (const [kind, mode] of [['vector', 'exact'], ['vector', 'ann'], ['hybrid', 'auto']] as const) {
        const dir = join(tmp, `${kind}-${mode}`);
        const r = await buildRetriever(kind, docs, { embedder: enc, mode, language: 'en' });
        await saveRetriever(dir, r);
        // Retrieval imports no backend: without an embedder or a loader it cannot search vectors.
        await assert.rejects(openIndex(dir), { code: 'RERANK_BAD_OPTION', message: /loadEmbedder/ });
        const asked: string[] = [];
        const loaded = await openIndex(dir, { loadEmbedder: (m) => (asked.push(m), BiEncoder.load(m)) });
        assert.deepEqual(asked, [MODEL]);
        assert.equal(loaded instanceof HybridRetriever, kind === 'hybrid');
        const [a, b] = [await r.search('blood pressure', 3), await loaded.search('blood pressure', 3)];
        assert.deepEqual(b.map((h) => h.id), a.map((h) => h.id));
        b.forEach((h, i) => assert.ok(Math.abs(h.score - a[i]!.score) < 1e-5));
        await (loaded as { close?: () => Promise<void> }).close?.();
      }
    } finally {
      await enc.close();
    }
  });

  it('replaces an index, keeps one generation, and refuses folders that are not indexes', async () => {
    const dir = join(tmp, 'replace');
    await saveRetriever(dir, await buildRetriever('bm25', docs, { language: 'en' }));
    await saveRetriever(dir, await buildRetriever('bm25', docs.slice(0, 1), { language: 'en' }));
    assert.equal((await loadIndex(dir)).corpus.ids.length, 1);
    assert.deepEqual(readdirSync(dir).filter((e) => e.includes('gen-')).length, 1);
    const other = join(tmp, 'user-files');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    await assert.rejects(saveRetriever(other, await buildRetriever('bm25', docs)), { code: 'RERANK_BAD_OPTION' });
    await assert.rejects(openIndex(join(tmp, 'missing')), { code: 'RERANK_NOT_FOUND' });
  });
});

describe('retrieval crash safety (child process killed mid-index)', () => {
  for (const stopAfter of ['corpus.json', 'bm25.docs.u32', 'manifest.json']) {
    it(`SIGKILL after writing ${stopAfter} leaves the previous index intact; the next save cleans up`, async () => {
      const dir = join(tmp, `crash-${stopAfter}`);
      await saveRetriever(dir, await buildRetriever('bm25', docs, { language: 'en' }));
      const before = await (await openIndex(dir)).search('homocysteine', 3);
      const { out, child } = await runTs(['test/fixtures/retrieval/crash-child.ts', dir, '3000', stopAfter], /paused/);
      assert.match(out, new RegExp(`paused ${stopAfter.replace('.', '\\.')}`));
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGKILL');
      await exited;
      assert.ok(readdirSync(dir).some((e) => e.startsWith('.tmp-gen-')), 'the half-written generation is left behind');
      const reopened = await openIndex(dir);
      assert.deepEqual(await reopened.search('homocysteine', 3), before);
      const done = await runTs(['test/fixtures/retrieval/crash-child.ts', dir, '50']);
      assert.equal(done.code, 0, done.out);
      assert.deepEqual(readdirSync(dir).filter((e) => e.startsWith('.tmp-')), []);
      assert.equal((await loadIndex(dir)).corpus.ids[0], 'new0');
    });
  }
});

describe('retrieval CLI: rerankit index / search', () => {
  const cli = join(tmp, 'cli.mts');
  writeFileSync(cli, `import { main } from ${JSON.stringify(join(ROOT, 'src', 'cli', 'main.ts'))};\nawait main(process.argv);\n`);

  it('indexes a JSONL corpus and searches it (one query as JSON, a queries file as a TREC run)', async () => {
    const corpus = join(tmp, 'corpus.jsonl');
    writeFileSync(corpus, docs.map((d) => JSON.stringify({ _id: d.id, title: '', text: d.text })).join('\n'));
    const idx = join(tmp, 'cli-index');
    const built = await runTs([cli, 'index', '--corpus', corpus, '--out', idx, '--json']);
    assert.equal(built.code, 0, built.out);
    assert.equal(JSON.parse(built.out).documents, 3);
    const one = await runTs([cli, 'search', '--index', idx, '-q', 'homocysteine', '-k', '2', '--json']);
    assert.deepEqual(JSON.parse(one.out).results.map((h: { id: string }) => h.id), ['d3', 'd1']);
    const queries = join(tmp, 'queries.tsv');
    writeFileSync(queries, 'q1\tblood pressure\nq2\tvitamin\n');
    const many = await runTs([cli, 'search', '--index', idx, '--queries', queries, '-k', '1']);
    const rows = many.out.trim().split('\n').map((l) => l.split(' '));
    assert.deepEqual(rows.map((f) => [f[0], f[1], f[2], f[3], f[5]]), [['q1', 'Q0', 'd2', '1', 'rerankit'], ['q2', 'Q0', 'd1', '1', 'rerankit']]);
    assert.ok(rows.every((f) => Number(f[4]) > 0));
    const bad = await runTs([cli, 'search', '--index', join(tmp, 'nope'), '-q', 'x']);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /RERANK_NOT_FOUND/);
  });
});
