/**
 * Hugging Face tokenizers' longest_first truncation for a pair (tokenizers/src/utils/truncation.rs):
 * returns how many tokens of each sequence survive when `budget` (max length minus special tokens) must
 * hold both. The shorter sequence keeps everything when it can; otherwise both get half, the longer
 * (the second on a tie) the odd token. Since tokenizers 0.22 the lengths it compares are those the
 * early stop left (PairTokenizer.kept), not the texts' full lengths.
 */
export function truncateLongestFirst(n1: number, n2: number, budget: number): [number, number] {
  if (n1 + n2 <= budget) return [n1, n2];
  const swap = n1 > n2;
  let short = swap ? n2 : n1;
  let long: number;
  long = short > budget ? short : Math.max(short, budget - short);
  if (short + long > budget) {
    short = Math.floor(budget / 2);
    long = short + (budget % 2);
  }
  return swap ? [long, short] : [short, long];
}

/** A call's truncation options, checked and resolved against the model's long-document policy. */
export interface TruncationPlan {
  /** Which end of an over-long text is cut. */
  direction: 'left' | 'right';
  /** Tokens each document keeps before it is paired (undefined: no cap). */
  maxTokensPerDoc?: number;
  /** Score long documents by their best window instead of cutting them. */
  chunk: boolean;
  /** Most windows per document (Infinity: all). */
  maxChunks: number;
  /** false: refuse a pair that would have to be cut. */
  truncate: boolean;
}
