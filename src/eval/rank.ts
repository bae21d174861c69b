/**
 * Turns one query's run into trec_eval's ranked relevance list. trec_eval ignores the rank column:
 * it sorts by score descending and breaks ties by docid *descending* in byte order
 * (form_res_rels.c: comp_sim_docno returns strcmp(p2->docno, p1->docno)).
 */

/** Relevance value trec_eval gives a retrieved document that is not in the qrels. */
export const NOT_JUDGED = -1;

/** strcmp on UTF-8 bytes: equal to code point order, which differs from JS `<` only around surrogates. */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    return (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0);
  }
  return a.length - b.length;
}

/** Docids of one query's run in trec_eval's order. */
export function trecOrder(scores: Map<string, number>): string[] {
  return [...scores.entries()]
    .sort((p, q) => (q[1] - p[1]) || compareBytes(q[0], p[0]))
    .map(([id]) => id);
}

/** Relevance of each retrieved document in rank order (NOT_JUDGED for documents missing from qrels). */
export function rankedRelevance(scores: Map<string, number> | undefined, judged: Map<string, number>): number[] {
  if (!scores) return [];
  return trecOrder(scores).map((id) => judged.get(id) ?? NOT_JUDGED);
}
