import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BiReranker, CrossEncoder, isPairScorer, isTokenCounter } from '../src/index.js';
import { CachedReranker, CascadeReranker, EnsembleReranker, SelectiveReranker, ThresholdReranker, TwoStageRetriever } from '../src/pipeline/index.js';
import type { DocInput, Reranker, RerankOptions, RerankResult, Retriever, SearchHit } from '../src/types.js';
import { modelDir } from './helpers/fixtures.js';

const words = (s: string) => new Set(s.toLowerCase().match(/\p{L}+/gu) ?? []);
const textOf = (d: DocInput) => (typeof d === 'string' ? d : d.text);

/** A real, deterministic pointwise reranker: the share of query words a document contains (raw: how many). */
class WordOverlap implements Reranker {
  calls: string[][] = [];
  options: RerankOptions[] = [];
  constructor(readonly name = 'overlap') {}
  async rerank(query: string, documents: DocInput[], o: RerankOptions = {}): Promise<RerankResult[]> {
    this.calls.push(documents.map(textOf));
    this.options.push(o);
    const q = words(query);
    const scored = documents.map((d, index) => {
      const w = words(textOf(d));
      const hits = [...q].filter((x) => w.has(x)).length;
      return { index, score: hits / Math.max(q.size, 1), raw: hits };
    });
    const sorted = scored.sort((a, b) => b.score - a.score || a.index - b.index);
    return sorted.slice(0, o.topK ?? sorted.length);
  }
  async close(): Promise<void> {}
}

/** Shortest document first: an opinion unlike word overlap, to see fusion at work. */
class Brevity extends WordOverlap {
  override async rerank(_q: string, documents: DocInput[]): Promise<RerankResult[]> {
    const max = Math.max(...documents.map((d) => textOf(d).length));
    return documents.map((d, index) => ({ index, score: 1 - textOf(d).length / (max + 1) })).sort((a, b) => b.score - a.score);
  }
}

const query = 'capital of france';
const docs = ['Berlin is the capital of Germany.', 'Paris is the capital of France.', 'France exports wine.', 'Bananas are yellow.', 'The capital city of France is Paris, on the Seine.'];

describe('combinators on a real cross-encoder (bert-ce-tiny) and word overlap', () => {
  let ce: CrossEncoder;
  before(async () => {
    ce = await CrossEncoder.load(modelDir('bert-ce-tiny'));
  });
  after(() => ce.close());

  test('every combinator validates input and honours topK, threshold and returnDocuments', async () => {
    const all: Reranker[] = [
      new CascadeReranker(new WordOverlap(), ce, { keep: 3 }), new ThresholdReranker(ce, { threshold: 0 }),
      new EnsembleReranker([{ reranker: ce }, { reranker: new WordOverlap() }]), new SelectiveReranker(ce), new CachedReranker(ce),
    ];
    for (const r of all) {
      await assert.rejects(r.rerank('', docs), { code: 'RERANK_EMPTY_QUERY' }, r.name);
      await assert.rejects(r.rerank(query, []), { code: 'RERANK_NO_DOCUMENTS' }, r.name);
      await assert.rejects(r.rerank(query, [42 as unknown as string]), { code: 'RERANK_BAD_DOCUMENT' }, r.name);
      const out = await r.rerank(query, docs, { topK: 2, returnDocuments: true });
      assert.equal(out.length, 2, r.name);
      assert.ok(out[0].score >= out[1].score && out.every((x) => x.document === docs[x.index] && x.score >= 0 && x.score <= 1), r.name);
    }
  });

  test('cached cross-encoder: same results, second call hits the cache only', async () => {
    const cached = new CachedReranker(ce, { max: 100 });
    const direct = await ce.rerank(query, docs);
    assert.deepEqual(await cached.rerank(query, docs), direct);
    assert.deepEqual(cached.stats, { hits: 0, misses: 5 });
    assert.deepEqual(await cached.rerank(query, [...docs, 'Lyon is in France.']).then((r) => r.filter((x) => x.index < 5)), direct);
    assert.deepEqual(cached.stats, { hits: 5, misses: 6 });
    const tiny = new CachedReranker(ce, { max: 2 }); // evicts during the call: still correct
    assert.deepEqual(await tiny.rerank(query, docs), direct);
  });

  test('cache: the inner reranker\'s capabilities, identity and pair scores, through the same cache', async () => {
    const cached = new CachedReranker(ce, { max: 100 });
    assert.deepEqual(cached.capabilities, ['score-pairs', 'count-tokens']);
    assert.ok(isPairScorer(cached) && isTokenCounter(cached));
    assert.equal(cached.identity, ce.identity, 'same scores, same identity');
    const pairs = docs.map((d): [string, string] => [query, d]);
    assert.deepEqual(await cached.score(pairs), await ce.score(pairs));
    assert.deepEqual(cached.stats, { hits: 0, misses: 5 });
    const direct = await ce.rerank(query, docs);
    assert.deepEqual(await cached.rerank(query, docs), direct, 'rerank() reuses what score() cached, raw and logits included');
    assert.deepEqual(cached.stats, { hits: 5, misses: 5 });
    assert.deepEqual(await cached.countTokens(query, docs), await ce.countTokens(query, docs));
    const bi = await BiReranker.load(modelDir('bert-embed-tiny'));
    try {
      assert.deepEqual(new CachedReranker(bi).capabilities, ['score-pairs'], 'a bi-encoder scores pairs but counts no tokens');
    } finally {
      await bi.close();
    }
    const plain = new CachedReranker(new WordOverlap());
    assert.equal(plain.capabilities, undefined, 'nothing declared that the inner reranker cannot do');
    await assert.rejects(plain.score([[query, docs[0]]]), { code: 'RERANK_BAD_OPTION' });
    assert.ok(!isPairScorer(plain));
  });

  test('cache: truncation options reach the reranker and are part of the key', async () => {
    const inner = new WordOverlap();
    const cached = new CachedReranker(inner);
    await cached.rerank(query, docs, { maxTokensPerDoc: 8, topK: 2 });
    assert.deepEqual(inner.options, [{ maxTokensPerDoc: 8 }], 'truncation forwarded, list options not');
    await cached.rerank(query, docs, { maxTokensPerDoc: 8 });
    assert.equal(inner.calls.length, 1, 'same truncation: all cached');
    await cached.rerank(query, docs);
    assert.equal(inner.calls.length, 2, 'other truncation: scored again');
    assert.deepEqual(cached.stats, { hits: 5, misses: 10 });
  });

  test('cascade: the cheap stage narrows, the cross-encoder orders the survivors', async () => {
    const cheap = new WordOverlap();
    const cascade = new CascadeReranker(cheap, ce, { keep: 3 });
    const out = await cascade.rerank(query, docs);
    const survivors = (await cheap.rerank(query, docs)).slice(0, 3).map((r) => r.index);
    const expected = await ce.rerank(query, survivors.map((i) => docs[i]));
    assert.deepEqual(out.slice(0, 3).map((r) => r.index), expected.map((r) => survivors[r.index]));
    assert.deepEqual(out.slice(0, 3).map((r) => [r.score, r.raw, r.logits]), expected.map((r) => [r.score, r.raw, r.logits]), 'the head is the expensive stage\'s, fields and all');
    assert.equal(out.length, 5);
    assert.ok(out[3].score <= out[2].score && out[4].score <= out[3].score);
    // The tail's cheap raw scores are on another scale: only the scaled score is kept.
    for (const r of out.slice(3)) assert.deepEqual(Object.keys(r).sort(), ['index', 'score']);
    assert.equal((await new CascadeReranker(new WordOverlap(), ce, { keep: 2, keepTail: false }).rerank(query, docs)).length, 2);
  });

  test('threshold keeps at least minKeep', async () => {
    const scores = await ce.rerank(query, docs);
    const cut = (scores[1].score + scores[2].score) / 2;
    assert.equal((await new ThresholdReranker(ce, { threshold: cut }).rerank(query, docs)).length, 2);
    const none = await new ThresholdReranker(ce, { threshold: 2, minKeep: 2 }).rerank(query, docs);
    assert.deepEqual(none.map((r) => r.index), scores.slice(0, 2).map((r) => r.index));
    assert.equal((await new ThresholdReranker(ce, { threshold: 2, minKeep: 0 }).rerank(query, docs)).length, 0);
  });

  test('ensemble: weighted mean of member scores, or RRF', async () => {
    const ov = new WordOverlap();
    const [a, b] = [await ce.rerank(query, docs), await ov.rerank(query, docs)];
    const byIdx = (rs: RerankResult[]) => new Map(rs.map((r) => [r.index, r.score]));
    const [sa, sb] = [byIdx(a), byIdx(b)];
    const w = await new EnsembleReranker([{ reranker: ce, weight: 1 }, { reranker: ov, weight: 3 }]).rerank(query, docs);
    for (const r of w) {
      assert.ok(Math.abs(r.score - (sa.get(r.index)! + 3 * sb.get(r.index)!) / 4) < 1e-12);
      assert.deepEqual(r.members, [sa.get(r.index), sb.get(r.index)], 'members: each member\'s score, in member order');
      assert.deepEqual([r.raw, r.logits, r.rank], [undefined, undefined, undefined]);
    }
    const rrf = await new EnsembleReranker([{ reranker: ov }, { reranker: new Brevity() }], { method: 'rrf', k: 60 }).rerank(query, docs);
    const rankOf = (rs: RerankResult[], i: number) => rs.findIndex((r) => r.index === i) + 1;
    const [ro, rb] = [await ov.rerank(query, docs), await new Brevity().rerank(query, docs)];
    for (const r of rrf) assert.ok(Math.abs(r.score - (1 / (60 + rankOf(ro, r.index)) + 1 / (60 + rankOf(rb, r.index))) / (2 / 61)) < 1e-12);
  });

  test('selective: skips the reranker when the first stage leads by a wide margin', async () => {
    const inner = new WordOverlap();
    const sel = new SelectiveReranker(inner, { minMargin: 0.5 });
    const confident = docs.map((text, i) => ({ text, score: i === 3 ? 10 : i }));
    const out = await sel.rerank(query, confident);
    assert.equal(out[0].index, 3, 'first-stage order kept');
    assert.deepEqual([inner.calls.length, sel.stats.skipped], [0, 1]);
    // Skipped: raw is the first-stage score as given, score its min-max normalisation.
    assert.deepEqual(out.map((r) => [r.index, r.raw, r.score]), [[3, 10, 1], [4, 4, 0.4], [2, 2, 0.2], [1, 1, 0.1], [0, 0, 0]]);
    const unsure = docs.map((text, i) => ({ text, score: 5 - i * 0.1 }));
    assert.equal((await sel.rerank(query, unsure))[0].index, 1, 'reranked: Paris doc wins');
    await sel.rerank(query, docs); // no scores: always rerank
    assert.deepEqual(sel.stats, { reranked: 2, skipped: 1 });
    assert.equal(SelectiveReranker.margin(confident), 1 - 4 / 10);
  });

  test('two-stage retriever: K1 hits → cross-encoder → K2, itself a Retriever', async () => {
    const seen: number[] = [];
    const first: Retriever = {
      name: 'list',
      async search(_q: string, k: number): Promise<SearchHit[]> {
        seen.push(k);
        return docs.map((text, i) => ({ id: `d${i}`, score: 5 - i, text: i === 4 ? undefined : text })).slice(0, k);
      },
    };
    const two = new TwoStageRetriever(first, ce, { firstStageK: 4, topK: 3, textOf: (id) => docs[Number(id.slice(1))] });
    const hits = await two.search(query);
    const expected = await ce.rerank(query, docs.slice(0, 4), { topK: 3 });
    assert.deepEqual(hits.map((h) => h.id), expected.map((r) => `d${r.index}`));
    assert.deepEqual(hits.map((h) => h.score), expected.map((r) => r.score));
    assert.equal((await two.search(query, 1)).length, 1);
    assert.deepEqual(seen, [4, 4]);
    const nested = new TwoStageRetriever(two, new WordOverlap(), { firstStageK: 3, topK: 2 });
    assert.equal((await nested.search(query)).length, 2);
    const noText = new TwoStageRetriever(first, ce, { firstStageK: 5 });
    await assert.rejects(noText.search(query), { code: 'RERANK_BAD_OPTION' });
  });
});

