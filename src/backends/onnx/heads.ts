/** Turns a classification head's raw logits into a relevance in [0,1], as sentence-transformers does. */
export function scoreOf(logits: ArrayLike<number>): number {
  if (logits.length === 1) return sigmoid(logits[0]);
  // Two labels: softmax, probability of class 1 ("relevant").
  const m = Math.max(logits[0], logits[1]);
  const e0 = Math.exp(logits[0] - m);
  const e1 = Math.exp(logits[1] - m);
  return e1 / (e0 + e1);
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
