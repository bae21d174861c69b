import { sigmoid } from '../../util/scores.js';

/** Turns a classification head's raw logits into a relevance in [0,1], as sentence-transformers does. */
export function scoreOf(logits: ArrayLike<number>): number {
  if (logits.length === 1) return sigmoid(logits[0]);
  // Two labels: softmax, probability of class 1 ("relevant").
  const m = Math.max(logits[0], logits[1]);
  const e0 = Math.exp(logits[0] - m);
  const e1 = Math.exp(logits[1] - m);
  return e1 / (e0 + e1);
}

/** The log-odds of relevance: the logit of a one-label head, logit[1] - logit[0] of a two-label one (sigmoid(raw) = score). */
export function rawOf(logits: ArrayLike<number>): number {
  return logits.length === 1 ? logits[0] : logits[1] - logits[0];
}
