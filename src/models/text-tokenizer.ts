import { LRUCache } from 'lru-cache';
import type { Tokenizer } from 'tokenizers';
import { RerankError, messageOf } from '../errors.js';
import { padIdOf } from './tokenizer.js';

/**
 * Single texts to token ids with the Hugging Face tokenizers binding, no special tokens added (what
 * `tokenizer(text, add_special_tokens=False)` gives): the building block of prompt recipes, which put
 * their own special tokens where the model card does. Added tokens written in a text ("<|im_end|>")
 * still become those tokens, as in transformers.
 */
export class TextTokenizer {
  /** Recent texts' ids: a server counts a request's tokens, then scores it. */
  private readonly recent?: LRUCache<string, number[]>;

  private constructor(private readonly tok: Tokenizer, readonly padId: number, cache: boolean) {
    if (cache) this.recent = new LRUCache({ maxSize: 2_000_000, sizeCalculation: (ids, text) => ids.length + 1 + (text.length >> 3) });
  }

  static async load(path: string, tokenizerConfig: Record<string, unknown>, config: Record<string, unknown>, o: { cache?: boolean } = {}): Promise<TextTokenizer> {
    const { Tokenizer } = await import('tokenizers'); // native: loaded on first use
    let tok: Tokenizer;
    try {
      tok = Tokenizer.fromFile(path);
    } catch (e) {
      throw new RerankError('RERANK_TOKENIZER_INVALID', `cannot load ${path}: ${messageOf(e).split('\n')[0]}`);
    }
    // Recipes truncate themselves; whatever tokenizer.json has baked in must not cut or pad first.
    tok.disableTruncation();
    tok.disablePadding();
    return new TextTokenizer(tok, padIdOf(tok, tokenizerConfig, config), o.cache ?? true);
  }

  /** Ids of each text (callers must not mutate them: they are cached); one native batch for the missing ones. */
  async encode(texts: string[]): Promise<number[][]> {
    const out: (number[] | undefined)[] = texts.map((t) => this.recent?.get(t));
    const missing = [...new Set(texts.filter((_, i) => !out[i]))];
    if (missing.length === 0) return out as number[][];
    const encs = await this.tok.encodeBatch(missing, { addSpecialTokens: false });
    const fresh = new Map(missing.map((t, i) => [t, encs[i]!.getIds()]));
    if (this.recent) for (const [t, ids] of fresh) this.recent.set(t, ids);
    return out.map((ids, i) => ids ?? fresh.get(texts[i]!)!);
  }

  /** The id of a vocabulary entry or added token, spelled as the tokenizer stores it ("yes", "<bos>"); undefined if absent. */
  tokenId(token: string): number | undefined {
    const id = this.tok.tokenToId(token);
    return typeof id === 'number' ? id : undefined;
  }
}
