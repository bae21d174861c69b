import { RerankError } from '../errors.js';
import type { Bm25Index } from '../retrieval/bm25.js';
import type { Bm25Retriever } from '../retrieval/retrievers.js';
import { LENGTH_TABLE } from '../retrieval/smallfloat.js';
import type { Attribution, Explanation } from '../types.js';
import { words, type Span } from './spans.js';

/**
 * BM25 needs no occlusion: its score is a sum over query terms, so each term's contribution is exact.
 * They are computed with the index's own float32 arithmetic (retrieval/bm25.ts), so they sum to the
 * score `search` returns; each term's share is then split over the spans of the document (and of the
 * query) whose analysis yields it.
 */

const termIdCache = new WeakMap<Bm25Index, Map<string, number>>();

function termIds(index: Bm25Index): Map<string, number> {
  let ids = termIdCache.get(index);
  if (!ids) termIdCache.set(index, (ids = new Map(index.data.terms.map((t, i) => [t, i]))));
  return ids;
}

/** The term's count in document `d` (postings are in document order). */
function tfOf(index: Bm25Index, id: number, d: number): number {
  const { offsets, docs, tfs } = index.data;
  let lo = offsets[id]!;
  let hi = offsets[id + 1]! - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (docs[mid] === d) return tfs[mid]!;
    if (docs[mid]! < d) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** Each matched query term's contribution to document `d`'s score, in the order `search` adds them. */
export function bm25Terms(index: Bm25Index, query: string, d: number): { term: string; weight: number; tf: number }[] {
  const { offsets, norms, docCount, totalTokens } = index.data;
  const { k1, b } = index.params;
  const avgdl = Math.fround(docCount > 0 ? totalTokens / docCount : 1);
  const norm = Math.fround(1 / Math.fround(k1 * Math.fround(Math.fround(1 - b) + Math.fround(Math.fround(b * LENGTH_TABLE[norms[d]!]!) / avgdl))));
  const boosts = new Map<string, number>();
  const ids = termIds(index);
  for (const t of index.analyze(query)) if (ids.has(t)) boosts.set(t, (boosts.get(t) ?? 0) + 1);
  const out: { term: string; weight: number; tf: number }[] = [];
  for (const [term, boost] of boosts) {
    const id = ids.get(term)!;
    const tf = tfOf(index, id, d);
    if (tf === 0) continue;
    const df = offsets[id + 1]! - offsets[id]!;
    const weight = Math.fround(boost * Math.fround(Math.log(1 + (docCount - df + 0.5) / (df + 0.5))));
    out.push({ term, weight: Math.fround(weight - Math.fround(weight / Math.fround(1 + Math.fround(tf * norm)))), tf });
  }
  return out;
}

/** The pieces a text's terms come from, for the analyzer `language` names. */
function units(text: string, language: string): Span[] {
  if (language === 'whitespace') return [...text.matchAll(/\S+/gu)].map((m) => ({ start: m.index!, end: m.index! + m[0].length }));
  // The n-gram analyzers make terms of single characters and adjacent pairs.
  if (language === 'zh' || language === 'ja') return [...text.matchAll(/[\p{L}\p{N}]/gu)].map((m) => ({ start: m.index!, end: m.index! + m[0].length }));
  return words(text);
}

/**
 * Splits each term's weight over the spans whose analysis yields it: single units first, then
 * adjacent pairs for terms that span two units (CJK bigrams). Spans are merged and in text order.
 */
function spread(text: string, language: string, analyze: (t: string) => string[], weights: Map<string, number>): Attribution[] {
  const us = units(text, language);
  const sets = us.map((u) => new Set(analyze(text.slice(u.start, u.end))));
  const acc = new Map<string, Attribution>();
  const add = (s: Span, w: number) => {
    const key = `${s.start}:${s.end}`;
    const a = acc.get(key) ?? { start: s.start, end: s.end, text: text.slice(s.start, s.end), weight: 0 };
    a.weight += w;
    acc.set(key, a);
  };
  for (const [term, weight] of weights) {
    let found: Span[] = us.filter((_, i) => sets[i]!.has(term));
    if (found.length === 0) {
      found = us.slice(1).flatMap((u, i) => {
        const s = { start: us[i]!.start, end: u.end };
        return analyze(text.slice(s.start, s.end)).includes(term) ? [s] : [];
      });
    }
    for (const s of found) add(s, weight / found.length);
  }
  return [...acc.values()].sort((x, y) => x.start - y.start || x.end - y.end);
}

/**
 * The exact BM25 explanation of one indexed document (by id) for `query`: `terms` sum to `score`
 * (the score `retriever.search` gives it), and so do the document's and the query's spans, whenever
 * every term could be placed in the text (always, for the shipped analyzers).
 */
export function explainBm25(retriever: Bm25Retriever, query: string, id: string): Explanation {
  const d = retriever.corpus.ids.indexOf(id);
  if (d < 0) throw new RerankError('RERANK_BAD_DOCUMENT', `no document "${id}" in the index`);
  const { index, language } = retriever;
  const terms = bm25Terms(index, query, d);
  let sum = 0;
  for (const t of terms) sum += t.weight;
  const weights = new Map(terms.map((t) => [t.term, t.weight]));
  return {
    method: 'bm25',
    score: Math.fround(sum),
    query: spread(query, language, index.analyze, weights),
    document: spread(retriever.corpus.texts[d]!, language, index.analyze, weights),
    words: 1,
    calls: 0,
    terms,
  };
}
