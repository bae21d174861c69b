import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RerankError, isPairScorer, isTokenCounter, type DocInput, type ErrorCode, type Reranker, type RerankResult } from '../../src/index.js';

export const CONTRACT_QUERY = 'what is the capital of france?';
/** Plain strings, an object with extra fields, a product title, Chinese, an empty document. */
export const CONTRACT_DOCS: DocInput[] = [
  'Paris is the capital and most populous city of France.',
  { text: 'Berlin is the capital of Germany.', id: 'de' },
  'Crocs Kids\' Baya Clog',
  '巴黎是法国的首都。',
  'The Eiffel Tower is in Paris, the French capital.',
  '',
];

/** The optional result fields, each with one meaning for every backend (src/types.ts). */
export type ResultField = 'raw' | 'logits' | 'rank' | 'members';
const OPTIONAL: ResultField[] = ['raw', 'logits', 'rank', 'members'];
const KNOWN = new Set(['index', 'score', 'document', ...OPTIONAL]);
const CAPABILITIES = new Set(['score-pairs', 'count-tokens']);

export interface ContractOptions {
  /** Same input, same output (default true). */
  deterministic?: boolean;
  /**
   * The optional fields every result carries, exactly (e.g. ['raw', 'logits'] for a cross-encoder,
   * ['rank'] for listwise, [] for an API that only answers relevance scores). Omit for a reranker whose
   * results differ (a cascade's head and tail).
   */
  fields?: ResultField[];
  /** A document's result does not depend on the other documents or their order (checked by shuffling). */
  pointwise?: boolean;
  /** Instead of CONTRACT_QUERY / CONTRACT_DOCS (e.g. documents carrying first-stage scores); 4 documents or more. */
  query?: string;
  documents?: DocInput[];
}

async function rejectsWith(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof RerankError && e.code === code);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** Log-odds of relevance of a 1- or 2-label head, computed here rather than by the code under test. */
const logOdds = (l: number[]) => (l.length === 1 ? l[0]! : l[1]! - l[0]!);
const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
const withoutDocument = ({ document: _, ...r }: RerankResult) => r;

/**
 * What every result list must satisfy, whatever the backend: each field means one thing.
 * `n` is the number of input documents, `docs` what returnDocuments must give back.
 */
export function checkResults(out: RerankResult[], n: number, o: ContractOptions & { docs?: DocInput[] } = {}): void {
  const where = (i: number) => `result ${i} ${JSON.stringify(out[i])}`;
  const seen = new Set<number>();
  out.forEach((x, i) => {
    for (const k of Object.keys(x)) assert.ok(KNOWN.has(k), `${where(i)}: unknown field "${k}"`);
    assert.ok(Number.isInteger(x.index) && x.index >= 0 && x.index < n && !seen.has(x.index), `${where(i)}: index`);
    seen.add(x.index);
    assert.ok(typeof x.score === 'number' && Number.isFinite(x.score) && x.score >= 0 && x.score <= 1, `${where(i)}: score in [0, 1]`);
    if (i > 0) assert.ok(out[i - 1]!.score >= x.score, `${where(i)}: sorted by score`);
    if (x.raw !== undefined) assert.ok(typeof x.raw === 'number' && Number.isFinite(x.raw), `${where(i)}: raw is a finite number`);
    if (x.logits !== undefined) {
      assert.ok(Array.isArray(x.logits) && x.logits.length > 0 && x.logits.every((v) => typeof v === 'number' && Number.isFinite(v)), `${where(i)}: logits are finite numbers`);
      // Logits are a classifier head's: the score is their sigmoid/softmax and raw their log-odds.
      assert.ok(x.logits.length <= 2, `${where(i)}: a head has 1 or 2 labels`);
      assert.ok(close(x.score, sigmoid(logOdds(x.logits)), 1e-6), `${where(i)}: score = sigmoid(log-odds of the logits)`);
      if (x.raw !== undefined) assert.ok(close(x.raw, logOdds(x.logits), 1e-6), `${where(i)}: raw = log-odds of the logits`);
    }
    if (x.rank !== undefined) {
      assert.equal(x.raw, undefined, `${where(i)}: an order-only result (rank) has no raw score`);
      assert.equal(x.logits, undefined, `${where(i)}: an order-only result (rank) has no logits`);
    }
    if (x.members !== undefined) {
      assert.ok(Array.isArray(x.members) && x.members.length > 0 && x.members.every((v) => Number.isFinite(v) && v >= 0 && v <= 1), `${where(i)}: members are member scores in [0, 1]`);
      assert.equal(x.members.length, out[0]!.members?.length, `${where(i)}: one member score per member`);
    }
    if (o.fields) {
      const has = OPTIONAL.filter((f) => x[f] !== undefined);
      assert.deepEqual(has, OPTIONAL.filter((f) => o.fields!.includes(f)), `${where(i)}: fields`);
    }
    if (o.docs) assert.deepEqual(x.document, o.docs[x.index], `${where(i)}: the input document`);
    else assert.equal(x.document, undefined, `${where(i)}: no document unless asked`);
  });
  // rank is the 1-based position: on every result or none, 1..k in order.
  const ranks = out.map((x) => x.rank);
  if (ranks.some((r) => r !== undefined)) assert.deepEqual(ranks, out.map((_, i) => i + 1), 'rank is the 1-based position of every result');
  // raw is one raw score, higher is better: never against the order of the scores.
  const withRaw = out.filter((x) => x.raw !== undefined);
  for (let i = 1; i < withRaw.length; i++) {
    const [a, b] = [withRaw[i - 1]!, withRaw[i]!];
    if (a.score > b.score + 1e-9) assert.ok(a.raw! >= b.raw! - 1e-9, `raw goes against the scores: ${JSON.stringify(a)} before ${JSON.stringify(b)}`);
  }
}

/**
 * The behaviour every Reranker shares, whatever its backend: one suite that each implementation passes
 * (as Hono runs one router test file against every router).
 */
export function rerankerContract(label: string, make: () => Promise<Reranker>, o: ContractOptions = {}): void {
  const query = o.query ?? CONTRACT_QUERY;
  const docs = o.documents ?? CONTRACT_DOCS;
  const deterministic = o.deterministic !== false;
  describe(`Reranker contract: ${label}`, () => {
    let r: Reranker;
    before(async () => {
      r = await make();
    });
    after(() => r?.close());

    test('ranks every document once, best first; every result field means one thing', async () => {
      const out = await r.rerank(query, docs);
      assert.deepEqual(out.map((x) => x.index).sort((a, b) => a - b), docs.map((_, i) => i));
      checkResults(out, docs.length, o);
      assert.equal(typeof r.name, 'string');
      assert.ok(r.name.length > 0);
    });

    test('topK, threshold and returnDocuments agree with the full ranking', async () => {
      const all = await r.rerank(query, docs);
      const top = await r.rerank(query, docs, { topK: 2, returnDocuments: true });
      assert.equal(top.length, 2);
      checkResults(top, docs.length, { ...o, docs });
      if (deterministic) assert.deepEqual(top.map(withoutDocument), all.slice(0, 2));
      const cut = all[2]!.score;
      const kept = await r.rerank(query, docs, { threshold: cut });
      checkResults(kept, docs.length, o);
      assert.ok(kept.every((x) => x.score >= cut));
      if (deterministic) assert.deepEqual(kept, all.filter((x) => x.score >= cut));
      const both = await r.rerank(query, docs, { threshold: cut, topK: 1 });
      assert.ok(both.length <= 1);
      assert.equal((await r.rerank(query, docs, { topK: 100 })).length, docs.length);
    });

    test('a single document', async () => {
      const out = await r.rerank(query, [docs[0]!]);
      assert.equal(out.length, 1);
      assert.equal(out[0]!.index, 0);
      // Not `fields`: a combinator may take another path for one document (a selective one reranks it).
      checkResults(out, 1, { ...o, fields: undefined });
    });

    if (deterministic) {
      test('the same call gives the same results', async () => {
        assert.deepEqual(await r.rerank(query, docs), await r.rerank(query, docs));
      });
    }

    if (o.pointwise) {
      test('a document\'s result does not depend on the other documents or their order', async () => {
        const all = await r.rerank(query, docs);
        const order = docs.map((_, i) => i).reverse();
        const reversed = await r.rerank(query, order.map((i) => docs[i]!));
        const alone = await r.rerank(query, [docs[1]!]);
        for (const x of reversed) {
          const want = all.find((y) => y.index === order[x.index])!;
          assert.ok(close(x.score, want.score, 1e-5), `score ${x.score} vs ${want.score}`);
          if (want.raw !== undefined) assert.ok(close(x.raw!, want.raw, 1e-5), `raw ${x.raw} vs ${want.raw}`);
        }
        const one = all.find((y) => y.index === 1)!;
        assert.ok(close(alone[0]!.score, one.score, 1e-5), `alone ${alone[0]!.score} vs ${one.score}`);
      });
    }

    test('bad input is a typed error', async () => {
      await rejectsWith(r.rerank('', docs), 'RERANK_EMPTY_QUERY');
      await rejectsWith(r.rerank('   ', docs), 'RERANK_EMPTY_QUERY');
      await rejectsWith(r.rerank(42 as never, docs), 'RERANK_EMPTY_QUERY');
      await rejectsWith(r.rerank(query, []), 'RERANK_NO_DOCUMENTS');
      await rejectsWith(r.rerank(query, 'a document' as never), 'RERANK_NO_DOCUMENTS');
      await rejectsWith(r.rerank(query, ['ok', 7 as never]), 'RERANK_BAD_DOCUMENT');
      await rejectsWith(r.rerank(query, [null as never]), 'RERANK_BAD_DOCUMENT');
      await rejectsWith(r.rerank(query, [{ txt: 'typo' } as never]), 'RERANK_BAD_DOCUMENT');
      await rejectsWith(r.rerank(query, docs, { topK: 0 }), 'RERANK_BAD_OPTION');
      await rejectsWith(r.rerank(query, docs, { topK: 1.5 }), 'RERANK_BAD_OPTION');
      await rejectsWith(r.rerank(query, docs, { threshold: Number.NaN }), 'RERANK_BAD_OPTION');
    });

    test('declared capabilities are implemented', async () => {
      const caps = r.capabilities;
      if (caps === undefined) return assert.ok(!isPairScorer(r) && !isTokenCounter(r));
      assert.ok(Array.isArray(caps) && caps.length > 0, 'capabilities: absent or a non-empty list');
      assert.equal(new Set(caps).size, caps.length, 'no capability twice');
      for (const c of caps) assert.ok(CAPABILITIES.has(c), `unknown capability "${c}"`);
      const texts = docs.map((d) => (typeof d === 'string' ? d : d.text));
      if (isPairScorer(r)) {
        assert.ok(typeof r.identity === 'string' && r.identity.length > 0, 'a PairScorer has an identity');
        const all = await r.rerank(query, docs);
        // Pairs in input order, two queries mixed, one pair repeated.
        const pairs: [string, string][] = [...texts.map((t): [string, string] => [query, t]), ['berlin', texts[1]!], [query, texts[0]!]];
        const scored = await r.score(pairs);
        assert.equal(scored.length, pairs.length);
        texts.forEach((_, i) => {
          const want = all.find((x) => x.index === i)!;
          assert.ok(close(scored[i]!.score, want.score, 1e-5), `pair ${i}: ${scored[i]!.score} vs rerank ${want.score}`);
          for (const f of ['raw', 'logits'] as const) assert.equal(scored[i]![f] === undefined, want[f] === undefined, `pair ${i}: ${f} like rerank's`);
          if (want.raw !== undefined) assert.ok(close(scored[i]!.raw!, want.raw, 1e-5));
        });
        assert.ok(close(scored.at(-1)!.score, scored[0]!.score, 1e-5), 'the same pair scores the same');
        for (const s of scored) assert.ok(Number.isFinite(s.score) && s.score >= 0 && s.score <= 1);
      }
      if (isTokenCounter(r)) {
        const counts = await r.countTokens(query, texts);
        assert.equal(counts.length, texts.length);
        for (const c of counts) assert.ok(Number.isInteger(c) && c > 0, `token count ${c}`);
        const longer = await r.countTokens(query, [`${texts[0]} ${texts[0]}`]);
        assert.ok(longer[0]! >= counts[0]!, 'a longer document has no fewer tokens');
      }
    });
  });
}
