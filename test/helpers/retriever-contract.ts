import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { RerankError, type ErrorCode, type Retriever, type SearchHit } from '../../src/index.js';

/** A small corpus with the usual trouble: near-duplicates, a product title, Chinese, an empty text. */
export const CONTRACT_CORPUS: { id: string; text: string }[] = [
  { id: 'paris', text: 'Paris is the capital and most populous city of France.' },
  { id: 'berlin', text: 'Berlin is the capital of Germany.' },
  { id: 'eiffel', text: 'The Eiffel Tower is in Paris, the French capital.' },
  { id: 'eiffel-2', text: 'The Eiffel Tower stands in Paris, capital of France.' },
  { id: 'clog', text: "Crocs Kids' Baya Clog" },
  { id: 'lyon', text: 'Lyon is a city in France known for its food.' },
  { id: 'rome', text: 'Rome is the capital of Italy.' },
  { id: 'zh', text: '巴黎是法国的首都。' },
  { id: 'bananas', text: 'Bananas are yellow and rich in potassium.' },
  { id: 'empty', text: '' },
];
export const CONTRACT_QUERIES = ['capital of france', 'eiffel tower paris', 'yellow bananas'];

export interface RetrieverContractOptions {
  /** The corpus the retriever was built over (default CONTRACT_CORPUS): every hit must be one of it. */
  corpus?: { id: string; text: string }[];
  /** Queries with at least one match in the corpus (default CONTRACT_QUERIES). */
  queries?: string[];
  /** search(q, k) is the first k hits of search(q, K > k): true for exact search (default), not for an approximate index. */
  prefixStable?: boolean;
}

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, what: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof RerankError && e.code === code, what);
}

/** What every hit list must satisfy: at most k, best first, unique ids of the corpus, finite scores, the corpus text. */
export function checkHits(hits: SearchHit[], k: number, corpus: Map<string, string>, what: string): void {
  assert.ok(Array.isArray(hits), `${what}: an array`);
  assert.ok(hits.length <= k, `${what}: ${hits.length} hits for k = ${k}`);
  assert.ok(hits.length <= corpus.size, `${what}: more hits than documents`);
  const seen = new Set<string>();
  hits.forEach((h, i) => {
    assert.ok(typeof h.id === 'string' && corpus.has(h.id), `${what}: hit ${i} id ${JSON.stringify(h.id)} is not in the corpus`);
    assert.ok(!seen.has(h.id), `${what}: ${h.id} twice`);
    seen.add(h.id);
    assert.ok(typeof h.score === 'number' && Number.isFinite(h.score), `${what}: hit ${i} score ${h.score}`);
    if (i > 0) assert.ok(hits[i - 1]!.score >= h.score, `${what}: best first (${hits[i - 1]!.score} before ${h.score})`);
    if (h.text !== undefined) assert.equal(h.text, corpus.get(h.id), `${what}: hit ${i} text is the document's`);
    for (const key of Object.keys(h)) assert.ok(['id', 'score', 'text'].includes(key), `${what}: unknown field "${key}"`);
  });
}

/** The behaviour every Retriever shares (BM25, vector, hybrid, reopened indexes, two-stage pipelines). */
export function retrieverContract(label: string, make: () => Promise<Retriever>, o: RetrieverContractOptions = {}): void {
  const corpusList = o.corpus ?? CONTRACT_CORPUS;
  const corpus = new Map(corpusList.map((d) => [d.id, d.text]));
  const queries = o.queries ?? CONTRACT_QUERIES;
  const n = corpus.size;
  describe(`Retriever contract: ${label}`, () => {
    let r: Retriever;
    before(async () => {
      r = await make();
    });

    test('at most k hits, best first, unique ids of the corpus, finite scores', async () => {
      assert.ok(typeof r.name === 'string' && r.name.length > 0, 'a name');
      for (const q of queries) {
        for (const k of [1, 2, 3, n]) checkHits(await r.search(q, k), k, corpus, `"${q}" k=${k}`);
        assert.ok((await r.search(q, n)).length > 0, `"${q}" matches something`);
      }
    });

    test('k larger than the corpus: each document at most once, no error', async () => {
      for (const k of [n + 1, n * 10, 100_000]) {
        const hits = await r.search(queries[0]!, k);
        checkHits(hits, k, corpus, `k=${k}`);
      }
    });

    test('the same search gives the same hits, whatever ran in between', async () => {
      const first = await r.search(queries[0]!, 5);
      for (const q of queries.slice(1)) await r.search(q, 3);
      assert.deepEqual(await r.search(queries[0]!, 5), first);
    });

    if (o.prefixStable !== false) {
      test('a smaller k gives the first hits of a larger one', async () => {
        for (const q of queries) {
          const all = await r.search(q, n);
          for (const k of [1, 3]) assert.deepEqual(await r.search(q, k), all.slice(0, k), `"${q}" k=${k}`);
        }
      });
    }

    test('odd queries are searched, not thrown at', async () => {
      const odd = ['?!.,;', 'zzzqx unknownword', '巴黎', 'Paris\tFrance\n', '🤷', 'capital '.repeat(2000), 'CAPITAL OF FRANCE', '"capital" AND (france)'];
      for (const q of odd) checkHits(await r.search(q, 3), 3, corpus, JSON.stringify(q.slice(0, 40)));
    });

    test('an empty query and a bad k are typed errors', async () => {
      for (const q of ['', '   ', '\n', 42, null, undefined]) await rejectsWith(r.search(q as string, 3), 'RERANK_EMPTY_QUERY', `query ${JSON.stringify(q)}`);
      for (const k of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3']) await rejectsWith(r.search(queries[0]!, k as number), 'RERANK_BAD_OPTION', `k ${String(k)}`);
    });
  });
}
