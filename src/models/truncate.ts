/**
 * Hugging Face tokenizers' longest_first truncation for a pair (tokenizers >= 0.14): returns how many
 * tokens of each sequence survive when `budget` (max length minus special tokens) must hold both.
 * The shorter sequence keeps everything when it can; otherwise both get half, the second the odd token.
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
