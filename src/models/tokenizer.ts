import { readFile } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import type { Tokenizer } from 'tokenizers';
import { RerankError, messageOf } from '../errors.js';
import { truncateLongestFirst } from './truncate.js';

/** One slot of the pair template: a special token, or "the tokens of sequence 0/1". */
type Slot = { special: number; typeId: number } | { seq: 0 | 1; typeId: number };

export interface EncodedPair {
  ids: number[];
  typeIds: number[];
}

/** Which end of an over-long sequence is cut (tokenizers' TruncationDirection). */
export type Direction = 'left' | 'right';

/** An entry of tokenizer.json's added_tokens, as far as telling a literal one in user text needs. */
interface AddedToken {
  content: string;
  normalized: boolean;
}

/*
 * Per-token flags of a text's encoding: where its pre-tokenized words ("splits") start, and which
 * tokens are added tokens written literally in the text. tokenizers (>= 0.22) stops tokenizing a
 * sequence once a whole split brings it to max_length tokens, before the pair truncation runs; a
 * split of added tokens does not stop it, and a split that yields no tokens (GAP) does.
 */
const START = 1;
const GAP = 2;
const ADDED = 4;

/** Flags of the id arrays encodeTexts returned (and of cap()'s slices of them); the arrays stay plain. */
/** Texts read out of one batch encoding between two turns of the event loop. */
const SLICE = 32;

const SPLITS = new WeakMap<readonly number[], Uint8Array>();

/**
 * Encodes (query, document) pairs exactly as Hugging Face tokenizers 0.23 do with truncation='longest_first',
 * but tokenizes each text once: the query once per request, documents in one batch. The pair template
 * ([CLS] A [SEP] B [SEP], <s> A </s></s> B </s>, ...) is read from the tokenizer's own post-processor.
 *
 * The binding's pair truncation is two steps: each sequence is tokenized only until it holds max_length
 * tokens (whole words: the word that crosses max_length is kept whole; see kept()), then longest_first
 * splits max_length minus the special tokens between those two cut lengths (truncateLongestFirst).
 */
export class PairTokenizer {
  readonly padId: number;
  private readonly template: Slot[];
  readonly specials: number;
  /** Recent texts' ids: a server counts a request's tokens, then scores it, and the query recurs. */
  private readonly recent?: LRUCache<string, number[]>;

  private constructor(private readonly tok: Tokenizer, template: Slot[], padId: number, cache: boolean, private readonly added: Map<number, AddedToken>) {
    // Bounded in texts too: tiny texts cost ~200 bytes of overhead each, which a size in ids alone
    // let grow to 400,000 entries (~80 MiB) under a stream of distinct short queries.
    if (cache) this.recent = new LRUCache({ max: 20_000, maxSize: 2_000_000, sizeCalculation: (ids, text) => ids.length + (ids.length >> 3) + 1 + (text.length >> 3) });
    this.template = template;
    this.padId = padId;
    this.specials = template.filter((s) => 'special' in s).length;
  }

  static async load(path: string, tokenizerConfig: Record<string, unknown>, config: Record<string, unknown>, o: { cache?: boolean } = {}): Promise<PairTokenizer> {
    const { Tokenizer } = await import('tokenizers'); // native: loaded on first use, not by `import 'rerankit'`
    let tok: Tokenizer;
    let added: Map<number, AddedToken>;
    try {
      tok = Tokenizer.fromFile(path);
      added = addedTokens(JSON.parse(await readFile(path, 'utf8')));
    } catch (e) {
      throw new RerankError('RERANK_TOKENIZER_INVALID', `cannot load ${path}: ${messageOf(e).split('\n')[0]}`);
    }
    // sentence-transformers exports bake padding/truncation (often 128) into tokenizer.json; the reference ignores them.
    tok.disableTruncation();
    tok.disablePadding();
    const template = await readTemplate(tok);
    return new PairTokenizer(tok, template, padIdOf(tok, tokenizerConfig, config), o.cache ?? true, added);
  }

  /** Token ids of each text without special tokens (callers must not mutate them: they are cached). */
  async encodeTexts(texts: string[]): Promise<number[][]> {
    const out: number[][] = texts.map((t) => this.recent?.get(t)!);
    const missing = [...new Set(texts.filter((_, i) => !out[i]))];
    if (missing.length === 0) return out;
    const encs = await this.tok.encodeBatch(missing, { addSpecialTokens: false });
    // Reading ids and word boundaries out of the binding is synchronous (~0.1 ms a text): a slice at a
    // time, so a 1000-document request never holds the event loop (health checks, 429s) for long.
    const fresh = new Map<string, number[]>();
    for (let i = 0; i < missing.length; i++) {
      if (i > 0 && i % SLICE === 0) await new Promise((r) => setImmediate(r));
      const ids = encs[i].getIds();
      SPLITS.set(ids, this.splitFlags(missing[i]!, ids, encs[i]));
      fresh.set(missing[i]!, ids);
    }
    if (this.recent) for (const [t, ids] of fresh) this.recent.set(t, ids);
    return out.map((ids, i) => ids ?? fresh.get(texts[i])!);
  }

  /**
   * How many tokens of a text survive tokenizers' early stop at `limit` tokens (the full max_length,
   * special tokens included): all if it has no more, else up to the end of the word holding token
   * `limit` (from the right end with direction 'left'), and past any added tokens (written in the
   * text, like "[SEP]") that end there, up to the end of the next word. Ids not from encodeTexts
   * (or cap) are taken to end a word at every token.
   */
  kept(ids: readonly number[], limit: number, direction: Direction = 'right'): number {
    const n = ids.length;
    if (n <= limit) return n;
    const f = SPLITS.get(ids);
    if (!f) return limit;
    if (direction === 'right') {
      // Cut before token k: token k starts a split, and the split before it is no added token (or a zero-token split lies between).
      let k = Math.max(limit, 1);
      while (k < n && !((f[k] & START) && (!(f[k - 1] & ADDED) || f[k] & GAP))) k++;
      return k;
    }
    // Keep tokens [s, n): token s starts a split that is no added token (or follows a zero-token split).
    let s = Math.min(n - limit, n - 1);
    while (s > 0 && !((f[s] & START) && (!(f[s] & ADDED) || f[s] & GAP))) s--;
    return n - s;
  }

  /** The first (direction 'right') or last n tokens of a text, still known to kept(). */
  cap(ids: number[], n: number, direction: Direction = 'right'): number[] {
    if (ids.length <= n) return ids;
    const out = take(ids, n, direction);
    const f = SPLITS.get(ids);
    if (f) SPLITS.set(out, direction === 'right' ? f.subarray(0, n) : f.subarray(ids.length - n));
    return out;
  }

  /** The full pair for already-tokenized parts, truncated longest-first to maxLength as tokenizers 0.23 does. */
  pair(q: number[], d: number[], maxLength: number, direction: Direction = 'right'): EncodedPair {
    const [n1, n2] = truncateLongestFirst(this.kept(q, maxLength, direction), this.kept(d, maxLength, direction), maxLength - this.specials);
    return this.fill(take(q, n1, direction), take(d, n2, direction));
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
  async encodePairReference(q: string, d: string, maxLength: number, direction: Direction = 'right'): Promise<EncodedPair> {
    this.tok.setTruncation(maxLength, { strategy: 'LongestFirst' as never, direction });
    try {
      const e = await this.tok.encode(q, d);
      return { ids: e.getIds(), typeIds: e.getTypeIds() };
    } finally {
      this.tok.disableTruncation();
    }
  }

  /** START/GAP from the encoding's word ids; ADDED only where an added token's id appears and its text is the token itself. */
  private splitFlags(text: string, ids: number[], enc: { getWordIds(): (number | null | undefined)[]; getOffsets(): number[][] }): Uint8Array {
    const n = ids.length;
    const f = new Uint8Array(n);
    if (n === 0) return f;
    const words = enc.getWordIds();
    f[0] = START;
    for (let i = 1; i < n; i++) {
      const w = words[i];
      const p = words[i - 1];
      if (w === null || w === undefined || p === null || p === undefined || w !== p) f[i] = START;
      if (typeof w === 'number' && typeof p === 'number' && w > p + 1) f[i] |= GAP;
    }
    let offsets: number[][] | undefined;
    let units: ((cp: number) => number) | undefined;
    for (let i = 0; i < n; i++) {
      const a = this.added.get(ids[i]);
      if (!a) continue;
      // The model can emit an added token's id too (an unknown word's [UNK]); the literal one spans exactly its content.
      offsets ??= enc.getOffsets();
      units ??= codeUnits(text);
      const [from, to] = offsets[i];
      const span = text.slice(units(from), units(to));
      if (span === a.content || (a.normalized && span.trim().toLowerCase() === a.content.trim().toLowerCase())) f[i] |= ADDED;
    }
    return f;
  }
}

/** The first or last n ids (the ids themselves when they are no more). */
function take(ids: number[], n: number, direction: Direction): number[] {
  if (ids.length <= n) return ids;
  return direction === 'right' ? ids.slice(0, n) : ids.slice(ids.length - n);
}

/** tokenizer.json's added tokens by id. */
function addedTokens(json: { added_tokens?: { id: number; content: string; normalized?: boolean }[] }): Map<number, AddedToken> {
  return new Map((json.added_tokens ?? []).map((t) => [t.id, { content: t.content, normalized: t.normalized === true }]));
}

/** Maps the tokenizer's offsets (in Unicode code points) to JavaScript string indexes (UTF-16 code units). */
function codeUnits(text: string): (cp: number) => number {
  if (!/[\uD800-\uDFFF]/.test(text)) return (cp) => cp;
  const at: number[] = [];
  let u = 0;
  for (const ch of text) {
    at.push(u);
    u += ch.length;
  }
  at.push(u);
  return (cp) => at[Math.min(cp, at.length - 1)];
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
