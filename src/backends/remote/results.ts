import { checkRerankInput, checkRerankOptions } from '../finish.js';
import type { RerankOptions } from '../../types.js';

/** The core's input checks and result finishing (src/backends/finish.ts), plus score helpers for remote backends. */
export { finishResults } from '../finish.js';

/** Throws the core's RerankError codes for bad input or options; returns the document texts. */
export function validateRerankInput(query: unknown, documents: unknown, options: RerankOptions = {}): string[] {
  const texts = checkRerankInput(query, documents);
  checkRerankOptions(options);
  return texts;
}

/** Logistic function, for raw scores that hosted APIs return as logits. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Keeps a score inside [0, 1] (hosted APIs occasionally return 1.0000001 or tiny negatives). */
export function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
