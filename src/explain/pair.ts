import type { Attribution, Explanation } from '../types.js';

/** One reason two results differ: a span and how much it moves `a`'s score above `b`'s. */
export interface PairReason extends Attribution {
  /** Whose text the span is in: 'a' or 'b' (document spans), or 'query'. */
  side: 'a' | 'b' | 'query';
  /** The span's part of score(a) − score(b): +weight in a, −weight in b, weight(a) − weight(b) for a query span. */
  delta: number;
}

/**
 * The spans whose attributions differ most between two explanations of the same query, largest
 * |delta| first: what lifts `a` above `b` (positive) or holds it back (negative).
 */
export function pairReasons(a: Explanation, b: Explanation, top = 5): PairReason[] {
  const bQuery = new Map(b.query.map((s) => [`${s.start}:${s.end}`, s.weight]));
  const reasons: PairReason[] = [
    ...a.document.map((s) => ({ ...s, side: 'a' as const, delta: s.weight })),
    ...b.document.map((s) => ({ ...s, side: 'b' as const, delta: -s.weight })),
    ...a.query.map((s) => ({ ...s, side: 'query' as const, delta: s.weight - (bQuery.get(`${s.start}:${s.end}`) ?? 0) })),
  ];
  return reasons.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta)).slice(0, top);
}
