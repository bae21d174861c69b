import type { DocInput, Reranker, RerankOptions, RerankResult } from '../../types.js';
import { checkRerankInput, finishResults } from '../../rerank-input.js';
import type { LlmClient } from './client.js';
import { rankScore } from './config.js';
import { PRP_PROMPTS, render, truncateWords, type PairwisePrompts } from './prompts.js';
import { heapTopK } from './topk.js';

export interface PairwiseOptions {
  /** How many of the best documents to sort when the call gives no topK (default 10). */
  sortTopK?: number;
  /** Word budget per passage (default 300); 0 = no truncation. */
  maxWords?: number;
  prompts?: Partial<PairwisePrompts>;
}

/**
 * Pairwise Ranking Prompting: each comparison asks both orders (A,B) and (B,A) so the model's position
 * bias cancels; when the two answers disagree the earlier document in the input keeps the lead (stable
 * ties). The top-k are selected with a binary heap (about n + k·log2 n comparisons); the rest follow in
 * input order. An order-only backend like the listwise reranker: each result has its 1-based `rank` and
 * the rank-derived score (n - rank + 1) / n, no `raw` and no `logits`.
 */
export class PairwiseReranker implements Reranker {
  readonly name: string;
  /** Comparisons made (each is two LLM requests, possibly cached) and how many the two orders disagreed on. */
  comparisons = 0;
  inconsistent = 0;
  private readonly prompts: PairwisePrompts;

  constructor(readonly client: LlmClient, private readonly o: PairwiseOptions = {}) {
    this.prompts = { ...PRP_PROMPTS, ...o.prompts };
    this.name = `pairwise:${client.o.model}`;
  }

  async rerank(query: string, documents: DocInput[], options: RerankOptions = {}): Promise<RerankResult[]> {
    const texts = checkRerankInput(query, documents, options).map((t) => truncateWords(t, this.o.maxWords ?? 300));
    const n = texts.length;
    const k = Math.min(n, options.topK ?? this.o.sortTopK ?? 10);
    const memo = new Map<string, Promise<boolean>>();
    const better = (i: number, j: number): Promise<boolean> => {
      const key = i < j ? `${i},${j}` : `${j},${i}`;
      let p = memo.get(key);
      if (!p) memo.set(key, (p = this.firstBeats(query, texts, Math.min(i, j), Math.max(i, j))));
      return p.then((lowWins) => (i < j ? lowWins : !lowWins));
    };
    const top = await heapTopK(n, k, better);
    const inTop = new Set(top);
    const order = [...top, ...texts.map((_, i) => i).filter((i) => !inTop.has(i))];
    const results = order.map((index, r) => ({ index, score: rankScore(r, n), rank: r + 1 }));
    return finishResults(results, documents, options);
  }

  /** Does document i (earlier in the input) beat j? Both orders asked; a split vote keeps i ahead. */
  private async firstBeats(query: string, texts: string[], i: number, j: number): Promise<boolean> {
    this.comparisons++;
    const [ab, ba] = await Promise.all([this.ask(query, texts[i], texts[j]), this.ask(query, texts[j], texts[i])]);
    const vote = (ab === 'A' ? 1 : ab === 'B' ? -1 : 0) + (ba === 'B' ? 1 : ba === 'A' ? -1 : 0);
    if (vote === 0) this.inconsistent++;
    return vote >= 0;
  }

  private async ask(query: string, a: string, b: string): Promise<'A' | 'B' | undefined> {
    const answer = await this.client.ask(
      [{ role: 'system', content: this.prompts.system }, { role: 'user', content: render(this.prompts.user, { query, a, b }) }],
      { maxTokens: 8 },
    );
    return parsePreference(answer.text);
  }

  async close(): Promise<void> {}
}

/** "Passage A", "A", "(B)", "**Passage B**" → the letter; anything else → undefined (no preference). */
export function parsePreference(text: string): 'A' | 'B' | undefined {
  const m = /passage\s*\(?([AB])\b/i.exec(text) ?? /^[\s*("'[]*([AB])\b/i.exec(text);
  return m ? (m[1].toUpperCase() as 'A' | 'B') : undefined;
}
