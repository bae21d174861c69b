/**
 * trec_eval's order of a query's run. It ignores the rank column: it sorts by score descending and
 * breaks ties by docid *descending* in byte order (form_res_rels.c: comp_sim_docno returns
 * strcmp(p2->docno, p1->docno)). res-rels.ts builds the ranked relevance list from it.
 */

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

/**
 * Indices of the results in trec_eval's order: score descending, ties by docid descending in byte order
 * (comp_sim_docno). Runs are usually written best first, so an already ordered list is only checked.
 */
export function trecRanking(docs: readonly string[], sims: ArrayLike<number>): number[] {
  const n = docs.length;
  const order = new Array<number>(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if (sorted && i > 0 && !(sims[i - 1] > sims[i] || (sims[i - 1] === sims[i] && compareBytes(docs[i - 1], docs[i]) > 0))) sorted = false;
  }
  // NaN compares as a tie, as in C: neither > nor < holds, so the docids decide.
  if (!sorted) order.sort((a, b) => (sims[a] > sims[b] ? -1 : sims[a] < sims[b] ? 1 : compareBytes(docs[b], docs[a])));
  return order;
}

/** Docids of one query's run in trec_eval's order. */
export function trecOrder(scores: Map<string, number>): string[] {
  const docs = [...scores.keys()];
  return trecRanking(docs, [...scores.values()]).map((i) => docs[i]);
}
