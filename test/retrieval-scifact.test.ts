import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { convertScifact } from '../scripts/scifact-to-beir.js';
import { evaluate } from '../src/eval/evaluate.js';
import { loadBeir } from '../src/eval/beir.js';
import { buildRetriever } from '../src/retrieval/index.js';

// SciFact is 2.9 MB zipped (8 MB of text): too big to copy into the repo, so this regression runs
// only where ../shared/datasets/scifact exists (developer machines and CI), and is skipped elsewhere.
const SRC = join(import.meta.dirname, '..', '..', 'shared', 'datasets', 'scifact');
const tmp = mkdtempSync(join(tmpdir(), 'rerankit-scifact-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('retrieval BM25 regression on BEIR SciFact (Anserini flat: nDCG@10 0.6789, R@100 0.9253)', { skip: !existsSync(SRC) && 'no ../shared/datasets/scifact' }, () => {
  it('converts the CSV zip to BEIR exactly (5183 docs, 300 queries, 339 judgments)', async () => {
    assert.deepEqual(await convertScifact(SRC, tmp), { docs: 5183, queries: 300, qrels: 339 });
  });

  it('BM25 (k1=0.9, b=0.4, title + " " + text) reproduces Anserini within 0.005', async () => {
    const ds = await loadBeir(tmp);
    const r = await buildRetriever('bm25', ds.docs.map((d) => ({ id: d.id, text: d.title ? `${d.title} ${d.text}` : d.text })), { language: 'en' });
    const run = new Map<string, Map<string, number>>();
    for (const [qid, q] of ds.queries) run.set(qid, new Map((await r.search(q, 1000)).map((h) => [h.id, h.score])));
    const { all } = evaluate(ds.qrels, run, { measures: ['ndcg_cut_10', 'recall_100'] });
    assert.ok(Math.abs(all.ndcg_cut_10! - 0.6789) <= 0.005, `nDCG@10 ${all.ndcg_cut_10}`);
    assert.ok(Math.abs(all.recall_100! - 0.9253) <= 0.005, `R@100 ${all.recall_100}`);
  });
});
