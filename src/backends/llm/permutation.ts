/**
 * Reading a ranking answer like `[2] > [1] > [3]` into a full permutation of 0..n-1, repairing what
 * LLMs get wrong: prose around the answer, duplicates (first mention wins), out-of-range ids (ignored)
 * and missing ids (appended in their previous order).
 */
export function parsePermutation(answer: string, n: number): number[] {
  const ids = bracketed(answer) ?? bare(answer);
  const seen = new Set<number>();
  const out: number[] = [];
  for (const id of ids) {
    const i = id - 1;
    if (i >= 0 && i < n && !seen.has(i)) {
      seen.add(i);
      out.push(i);
    }
  }
  for (let i = 0; i < n; i++) if (!seen.has(i)) out.push(i);
  return out;
}

/** `[3]` labels when the answer has any: numbers in prose ("the 5 passages") are then ignored. */
function bracketed(answer: string): number[] | undefined {
  const m = [...answer.matchAll(/\[\s*(\d+)\s*\]/g)].map((x) => Number(x[1]));
  return m.length ? m : undefined;
}

/** Fallback for answers like `2 > 1 > 3`: every integer, in order. */
function bare(answer: string): number[] {
  return [...answer.matchAll(/\d+/g)].map((x) => Number(x[0]));
}

/** True when the parse needed no repair: every id once, nothing else. Used for stats only. */
export function isCleanPermutation(answer: string, n: number): boolean {
  const ids = bracketed(answer) ?? bare(answer);
  return ids.length === n && new Set(ids).size === n && ids.every((id) => id >= 1 && id <= n);
}
