import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../src/backends/remote/dialects.js';
import { createReranker, type RerankerConfig } from '../src/registry.js';
import { overlap, startFakeApi, type Answer, type FakeApi } from './fixtures/llm/fake-apis.js';
import { rerankerContract, type ContractOptions } from './helpers/reranker-contract.js';

/**
 * The shared Reranker contract on every hosted-API kind, each against a fake that answers only its
 * own documented request shape: every kind gets a base URL `/<dialect>`, and the fake refuses (HTTP
 * 400) a request whose path or body is not that dialect's, so a kind cannot pass by speaking another's.
 */
let api: FakeApi;
before(async () => {
  api = await startFakeApi();
  api.handler = answer;
});
after(() => api.close());

type Body = Record<string, any>;
const refuse = (why: string): Answer => ({ status: 400, body: { message: why } });

/** Scored by word overlap, best first, cut to n: how the services order their answers. */
function scored(query: string, docs: string[], n?: number): { index: number; s: number }[] {
  return docs.map((d, index) => ({ index, s: overlap(query, d) })).sort((a, b) => b.s - a.s).slice(0, n ?? docs.length);
}

const cohereish = (b: Body, extra: (b: Body) => string | undefined): Answer => {
  if (typeof b.query !== 'string' || !Array.isArray(b.documents)) return refuse('needs query and documents');
  const why = extra(b);
  if (why) return refuse(why);
  return { body: { id: 'x', results: scored(b.query, b.documents, b.top_n).map((r) => ({ index: r.index, relevance_score: r.s })), meta: {} } };
};

const SHAPES: Record<string, { path: string; answer: (b: Body) => Answer }> = {
  'cohere-v1': { path: '/v1/rerank', answer: (b) => cohereish(b, (x) => (x.return_documents === false ? undefined : 'v1 sends return_documents: false')) },
  'cohere-v2': { path: '/v2/rerank', answer: (b) => cohereish(b, (x) => ('return_documents' in x ? 'v2 has no return_documents' : undefined)) },
  jina: { path: '/v1/rerank', answer: (b) => cohereish(b, (x) => (x.return_documents === false ? undefined : 'jina: return_documents false')) },
  rerankit: { path: '/v1/rerank', answer: (b) => cohereish(b, () => undefined) },
  infinity: { path: '/rerank', answer: (b) => cohereish(b, (x) => ('texts' in x ? 'infinity takes documents' : undefined)) },
  voyage: {
    path: '/v1/rerank',
    answer: (b) => (b.truncation !== true || 'top_n' in b
      ? refuse('voyage: truncation and top_k')
      : { body: { object: 'list', data: scored(b.query, b.documents, b.top_k).map((r) => ({ index: r.index, relevance_score: r.s })) } }),
  },
  tei: {
    path: '/rerank',
    // raw_scores: the logit, unbounded; the client applies the sigmoid.
    answer: (b) => (b.raw_scores !== true || !Array.isArray(b.texts)
      ? refuse('tei: texts and raw_scores')
      : { body: scored(b.query, b.texts).map((r) => ({ index: r.index, score: 8 * r.s - 4 })) }),
  },
};

function answer(path: string, body: Body): Answer {
  const [, dialect, ...rest] = path.split('/');
  const shape = SHAPES[dialect!];
  if (!shape) return { status: 404, body: { message: `no dialect ${dialect}` } };
  if (`/${rest.join('/')}` !== shape.path) return refuse(`${dialect} is served at ${shape.path}, not /${rest.join('/')}`);
  return shape.answer(body);
}

const kinds: [string, string, () => RerankerConfig, ContractOptions][] = [
  ['cohere v1', 'cohere-v1', () => ({ kind: 'cohere', apiVersion: 'v1', apiKey: 'k', apiBaseUrl: `${api.origin}/cohere-v1` }), { fields: [] }],
  ['cohere v2', 'cohere-v2', () => ({ kind: 'cohere', apiVersion: 'v2', apiKey: 'k', apiBaseUrl: `${api.origin}/cohere-v2` }), { fields: [] }],
  ['cohere (default version)', 'cohere-v2', () => ({ kind: 'cohere', apiKey: 'k', apiBaseUrl: `${api.origin}/cohere-v2` }), { fields: [] }],
  ['jina', 'jina', () => ({ kind: 'jina', apiBaseUrl: `${api.origin}/jina` }), { fields: [] }],
  ['voyage', 'voyage', () => ({ kind: 'voyage', apiKey: 'k', apiBaseUrl: `${api.origin}/voyage` }), { fields: [] }],
  ['tei', 'tei', () => ({ kind: 'tei', apiBaseUrl: `${api.origin}/tei` }), { fields: ['raw'] }],
  ['infinity', 'infinity', () => ({ kind: 'infinity', apiBaseUrl: `${api.origin}/infinity` }), { fields: [] }],
  ['rerankit', 'rerankit', () => ({ kind: 'rerankit', model: 'minilm', apiBaseUrl: `${api.origin}/rerankit` }), { fields: [] }],
  ['tei, 2 documents per request', 'tei', () => ({ kind: 'tei', apiBaseUrl: `${api.origin}/tei`, maxDocumentsPerRequest: 2, concurrency: 2 }), { fields: ['raw'] }],
];

for (const [label, , config, o] of kinds) rerankerContract(label, () => createReranker(config()), { ...o, pointwise: true });

describe('the remote contract covers every dialect', () => {
  it('each dialect of src/backends/remote/dialects.ts has a contract run above', () => {
    assert.deepEqual([...new Set(kinds.map(([, d]) => d))].sort(), Object.keys(DIALECTS).sort());
  });
  it('every dialect was exercised (the fake refuses a request in another dialect\'s shape)', () => {
    const dialects = new Set(api.requests.map((r) => r.path.split('/')[1]));
    assert.deepEqual([...dialects].sort(), Object.keys(DIALECTS).sort());
  });
});
