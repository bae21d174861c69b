/** Score helpers for remote backends (input checks and finishing live in src/rerank-input.ts, sigmoid in src/util/scores.ts). */

/** Keeps a score inside [0, 1] (hosted APIs occasionally return 1.0000001 or tiny negatives). */
export function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
