import { LRUCache } from 'lru-cache';
import { Tokenizer } from 'tokenizers';
import { RerankError, messageOf } from '../errors.js';
import { truncateLongestFirst } from './truncate.js';

/** One slot of the pair template: a special token, or "the tokens of sequence 0/1". */
type Slot = { special: number; typeId: number } | { seq: 0 | 1; typeId: number };

export interface EncodedPair {
  ids: number[];
  typeIds: number[];
}

/**
 * Encodes (query, document) pairs exactly as Hugging Face tokenizers do with truncation='longest_first',
 * but tokenizes each text once: the query once per request, documents in one batch. The pair template
 * ([CLS] A [SEP] B [SEP], <s> A </s></s> B </s>, ...) is read from the tokenizer's own post-processor.
 */
export class PairTokenizer {
  readonly padId: number;
  private readonly template: Slot[];
  readonly specials: number;
  /** Recent texts' ids: a server counts a request's tokens, then scores it, and the query recurs. */
  private readonly recent?: LRUCache<string, number[]>;

  private constructor(private readonly tok: Tokenizer, template: Slot[], padId: number, cache: boolean) {
    if (cache) this.recent = new LRUCache({ maxSize: 2_000_000, sizeCalculation: (ids, text) => ids.length + 1 + (text.length >> 3) });
    this.template = template;
    this.padId = padId;
    this.specials = template.filter((s) => 'special' in s).length;
  }

  static async load(path: string, tokenizerConfig: Record<string, unknown>, config: Record<string, unknown>, o: { cache?: boolean } = {}): Promise<PairTokenizer> {
    let tok: Tokenizer;
    try {
      tok = Tokenizer.fromFile(path);
    } catch (e) {
      throw new RerankError('RERANK_TOKENIZER_INVALID', `cannot load ${path}: ${messageOf(e).split('\n')[0]}`);
    }
    // sentence-transformers exports bake padding/truncation (often 128) into tokenizer.json; the reference ignores them.
    tok.disableTruncation();
    tok.disablePadding();
    const template = await readTemplate(tok);
    return new PairTokenizer(tok, template, padIdOf(tok, tokenizerConfig, config), o.cache ?? true);
  }

  /** Token ids of each text without special tokens (callers must not mutate them: they are cached). */
  async encodeTexts(texts: string[]): Promise<number[][]> {
    const out: number[][] = texts.map((t) => this.recent?.get(t)!);
    const missing = [...new Set(texts.filter((_, i) => !out[i]))];
    if (missing.length === 0) return out;
    const encs = await this.tok.encodeBatch(missing, { addSpecialTokens: false });
    const fresh = new Map(missing.map((t, i) => [t, encs[i].getIds()]));
    if (this.recent) for (const [t, ids] of fresh) this.recent.set(t, ids);
    return out.map((ids, i) => ids ?? fresh.get(texts[i])!);
  }

  /** The full pair for already-tokenized parts, truncated longest-first to maxLength. */
  pair(q: number[], d: number[], maxLength: number): EncodedPair {
    const [n1, n2] = truncateLongestFirst(q.length, d.length, maxLength - this.specials);
    return this.fill(q.length === n1 ? q : q.slice(0, n1), d.length === n2 ? d : d.slice(0, n2));
  }

  /** Applies the template to two token sequences (no truncation). */
  fill(a: number[], b: number[]): EncodedPair {
    const ids: number[] = [];
    const typeIds: number[] = [];
    for (const slot of this.template) {
      if ('special' in slot) {
        ids.push(slot.special);
        typeIds.push(slot.typeId);
      } else {
        for (const id of slot.seq === 0 ? a : b) {
          ids.push(id);
          typeIds.push(slot.typeId);
        }
      }
    }
    return { ids, typeIds };
  }

  /** The reference path: the Rust tokenizer's own pair encoding with truncation (used by tests). */
  async encodePairReference(q: string, d: string, maxLength: number): Promise<EncodedPair> {
    this.tok.setTruncation(maxLength, { strategy: 'LongestFirst' as never });
    try {
      const e = await this.tok.encode(q, d);
      return { ids: e.getIds(), typeIds: e.getTypeIds() };
    } finally {
      this.tok.disableTruncation();
    }
  }
}

/** Reads the pair template by encoding a probe pair and noting where the special tokens land. */
async function readTemplate(tok: Tokenizer): Promise<Slot[]> {
  const enc = await tok.encode('a', 'b', { addSpecialTokens: true });
  const ids = enc.getIds();
  const types = enc.getTypeIds();
  const seqs = enc.getSequenceIds();
  const slots: Slot[] = [];
  for (let i = 0; i < ids.length; i++) {
    const seq = seqs[i];
    if (seq === null || seq === undefined) slots.push({ special: ids[i], typeId: types[i] });
    else if (!(i > 0 && seqs[i - 1] === seq)) slots.push({ seq: seq as 0 | 1, typeId: types[i] });
  }
  if (!slots.some((s) => 'seq' in s && s.seq === 1)) throw new RerankError('RERANK_TOKENIZER_INVALID', 'tokenizer.json has no pair template');
  return slots;
}

/** The id padding uses: tokenizer_config's pad_token, else config.pad_token_id, else 0. */
export function padIdOf(tok: Tokenizer, tokenizerConfig: Record<string, unknown>, config: Record<string, unknown>): number {
  const pad = tokenizerConfig.pad_token;
  const name = typeof pad === 'string' ? pad : (pad as { content?: string } | undefined)?.content;
  const id = name ? tok.tokenToId(name) : null;
  if (typeof id === 'number') return id;
  return typeof config.pad_token_id === 'number' ? config.pad_token_id : 0;
}
