/** Score helpers for remote backends (input checks and finishing live in src/rerank-input.ts). */

/** Logistic function, for raw scores that hosted APIs return as logits. */
export { sigmoid } from '../onnx/heads.js';

/** Keeps a score inside [0, 1] (hosted APIs occasionally return 1.0000001 or tiny negatives). */
export function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
