import type { Attribution, ExplainOptions, RerankResult } from '../types.js';
import { Limiter } from '../util/limit.js';
import { groupWords, spanSize, without, words, type Span } from './spans.js';

/**
 * Occlusion for any reranker: a span's weight is the result's score minus the score of the same pair
 * with that span removed. Every variant of every result goes out in one `score(groups)` call, so the
 * model's own batching (a PairScorer's token-budget batches, the server's micro-batcher) applies.
 */

/** Texts scored against one query; scores compare within a group. */
export interface Group {
  query: string;
  texts: string[];
}

export interface GroupScorer {
  /**
   * true when a pair's score stands alone (`score(pairs)`): a document's variants are then compared with
   * the result's own score. false for list rerankers (listwise, remote...), whose scores compare only
   * within one call: each document group then starts with the document itself.
   */
  readonly independent: boolean;
  /** The `score` of each group's texts against its query, in input order. */
  score(groups: Group[]): Promise<number[][]>;
}

/** List-reranker calls an explanation keeps in flight at once (each may take a model's queue slot). */
const LIST_CALLS = 4;

/** A GroupScorer over a pair scorer: every group's pairs in one call, scores split back by group. */
export function pairGroupScorer(score: (pairs: [string, string][]) => Promise<number[]>): GroupScorer {
  return {
    independent: true,
    async score(groups) {
      const scored = await score(groups.flatMap((g) => g.texts.map((t): [string, string] => [g.query, t])));
      let k = 0;
      return groups.map((g) => g.texts.map(() => scored[k++]!));
    },
  };
}

/** A GroupScorer over a list reranker: one rerank call per group, a few at a time, scores in input order. */
export function listGroupScorer(rerank: (query: string, texts: string[]) => Promise<{ index: number; score: number }[]>): GroupScorer {
  return {
    independent: false,
    score: (groups) => new Limiter(LIST_CALLS).map(groups, async (g) => {
      const out = new Array<number>(g.texts.length);
      for (const r of await rerank(g.query, g.texts)) out[r.index] = r.score;
      return out;
    }),
  };
}

export const DEFAULT_MAX_CALLS = 512;

/** The cap as the caller gave it (`explain: true` takes the default). */
export function maxCallsOf(explain: boolean | ExplainOptions | undefined): number {
  return typeof explain === 'object' && explain.maxCalls !== undefined ? explain.maxCalls : DEFAULT_MAX_CALLS;
}

interface DocPlan {
  spans: Span[];
  size: number;
}

/**
 * Spends the cap: the query gets at most a third (its spans pair with every result), the rest is
 * shared by the results best first, unused shares passing on; a result's spans are as many words
 * wide as its share needs.
 */
function plan(query: string, texts: string[], maxCalls: number, independent: boolean) {
  const qWords = words(query);
  const qCount = qWords.length > 1 ? Math.min(qWords.length, Math.floor(maxCalls / (3 * texts.length))) : 0;
  // A span covering the whole query would leave it blank, which no reranker takes.
  const qSpans = qCount > 0 ? groupWords(qWords, spanSize(qWords.length, qCount)).filter((s) => without(query, s).trim() !== '') : [];
  let left = maxCalls - qSpans.length * texts.length;
  const docs: DocPlan[] = texts.map((text, i) => {
    const share = Math.floor(left / (texts.length - i)) - (independent ? 0 : 1);
    const ws = words(text);
    const count = Math.min(ws.length, share);
    if (count < 1) return { spans: [], size: 0 };
    const size = spanSize(ws.length, count);
    const spans = groupWords(ws, size);
    left -= spans.length + (independent ? 0 : 1);
    return { spans, size };
  });
  return { qSpans, docs };
}

const attribution = (text: string, s: Span, weight: number): Attribution => ({ start: s.start, end: s.end, text: text.slice(s.start, s.end), weight });

/**
 * Adds an occlusion `explanation` to each result; `texts` are all input documents' texts (results
 * name them by `index`). At most `maxCalls` extra pairs are scored in all.
 */
export async function explainByOcclusion(query: string, texts: string[], results: RerankResult[], scorer: GroupScorer, maxCalls = DEFAULT_MAX_CALLS): Promise<RerankResult[]> {
  if (results.length === 0) return results;
  const docTexts = results.map((r) => texts[r.index]!);
  const { qSpans, docs } = plan(query, docTexts, maxCalls, scorer.independent);
  const groups: Group[] = [
    ...docs.map((d, i) => ({ query, texts: [...(scorer.independent ? [] : [docTexts[i]!]), ...d.spans.map((s) => without(docTexts[i]!, s))] })),
    ...qSpans.map((s) => ({ query: without(query, s), texts: docTexts })),
  ];
  const wanted = groups.map((g, i) => (i < docs.length && docs[i]!.spans.length === 0 ? null : g));
  const scored = await scorer.score(wanted.filter((g): g is Group => g !== null));
  let k = 0;
  const scores = wanted.map((g) => (g === null ? [] : scored[k++]!));
  return results.map((r, i) => {
    const own = scores[i]!;
    const base = scorer.independent ? r.score : own[0] ?? r.score;
    const variants = scorer.independent ? own : own.slice(1);
    const document = docs[i]!.spans.map((s, j) => attribution(docTexts[i]!, s, base - variants[j]!));
    const q = qSpans.map((s, j) => attribution(query, s, r.score - scores[docs.length + j]![i]!));
    const calls = docs[i]!.spans.length + (docs[i]!.spans.length && !scorer.independent ? 1 : 0) + qSpans.length;
    return { ...r, explanation: { method: 'occlusion' as const, score: r.score, query: q, document, words: docs[i]!.size, calls } };
  });
}
