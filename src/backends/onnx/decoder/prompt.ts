import { RerankError } from '../../../errors.js';
import type { TextTokenizer } from '../../../models/text-tokenizer.js';
import type { TruncationPlan } from '../../../models/truncate.js';
import { parseTemplate, render, uses, type Recipe, type Template } from './recipe.js';

/** A recipe part ready to use: its template, or its ids when they never change (tokens, fixed text). */
interface Part {
  template?: Template;
  ids?: number[];
  /** Most tokens the part keeps (its first ones). */
  cap: number;
}

/** A document part's tokens split around the document: the template text before it, the document's own tokens, the text after. */
interface Split {
  head: number[];
  mid: number[];
  tail: number[];
}

/** Share of a window the next one repeats, as for cross-encoders (chunks.ts). */
const OVERLAP = 0.25;

/**
 * Builds prompt ids from (query, document) pairs as a recipe says: each part tokenized on its own, then
 * the recipe's truncation rule, or, in chunk mode, windows of the document that each fit the budget.
 */
export class PromptBuilder {
  private constructor(
    private readonly recipe: Recipe,
    private readonly tok: TextTokenizer,
    private readonly parts: Part[],
    readonly maxLength: number,
    private readonly instruction: string,
    /** Index of the part holding {document}. */
    private readonly doc: number,
    /** only-second: index of the last {query} part before the document (the end of the first sequence). */
    private readonly firstEnd: number,
  ) {}

  static async create(recipe: Recipe, tok: TextTokenizer, configs: ModelConfigs, maxLength: number, instruction: string): Promise<PromptBuilder> {
    const where = `recipe ${recipe.name}`;
    const templates = recipe.prompt.map((p, i) => (p.text === undefined ? undefined : parseTemplate(p.text, `${where}: prompt[${i}]`)));
    const fixed = templates.map((t) => t && !uses(t, 'query') && !uses(t, 'document'));
    const texts = templates.flatMap((t, i) => (t && fixed[i] ? [render(t, { instruction, query: '', document: '' })] : []));
    const ids = await tok.encode(texts);
    const parts = recipe.prompt.map((p, i): Part => {
      const cap = p.maxTokens === undefined ? Infinity : Math.floor(p.maxTokens * maxLength);
      if (p.token !== undefined) return { ids: [tokenIdOf(tok, p.token, configs, where)], cap };
      if (fixed[i]) return { ids: ids.shift()!.slice(0, cap), cap };
      return { template: templates[i], cap };
    });
    const doc = templates.findIndex((t) => t && uses(t, 'document'));
    const firstEnd = templates.slice(0, doc).reduce((last, t, i) => (t && uses(t, 'query') ? i : last), -1);
    const fixedLength = parts.slice(0, recipe.truncation === 'fit-all' ? parts.length : doc).reduce((n, p) => n + (p.ids?.length ?? 0), 0);
    if (fixedLength >= maxLength) {
      throw new RerankError('RERANK_BAD_OPTION', `maxLength ${maxLength} is too small for ${where}: its fixed parts alone take ${fixedLength} tokens`);
    }
    return new PromptBuilder(recipe, tok, parts, maxLength, instruction, doc, firstEnd);
  }

  /** Each pair's prompts: one (cut by the recipe's rule), or the windows of a long document in chunk mode. */
  async build(pairs: [string, string][], plan: TruncationPlan): Promise<number[][][]> {
    const values = (query: string, document: string) => ({ instruction: this.instruction, query, document });
    const queries = [...new Set(pairs.map(([q]) => q))];
    const queryTexts = queries.map((q) => this.parts.map((p) => (p.template && !p.ids ? render(p.template, values(q, '')) : '')));
    const docTemplate = this.parts[this.doc]!.template!;
    const texts = [...queryTexts.flat(), ...pairs.map(([q, d]) => render(docTemplate, values(q, d)))];
    const ids = await this.tok.encode(texts);
    const perQuery = new Map(queries.map((q, i) => [q, ids.slice(i * this.parts.length, (i + 1) * this.parts.length)]));
    const docIds = ids.slice(queries.length * this.parts.length);
    return pairs.map(([q], k) => {
      const own = perQuery.get(q)!;
      const parts = this.parts.map((p, i) => (i === this.doc ? [] : p.ids ?? capped(own[i]!, p.cap)));
      const queryCut = this.parts.some((p, i) => !p.ids && i !== this.doc && own[i]!.length > p.cap);
      return this.prompts(parts, split(docIds[k]!, own[this.doc]!), queryCut, plan, k);
    });
  }

  /** The prompts of one pair, from its parts (the document part left empty) and its document part's split. */
  private prompts(parts: number[][], s: Split, queryCut: boolean, plan: TruncationPlan, key: number): number[][] {
    if (plan.maxTokensPerDoc !== undefined && s.mid.length > plan.maxTokensPerDoc) {
      s = { ...s, mid: plan.direction === 'right' ? s.mid.slice(0, plan.maxTokensPerDoc) : s.mid.slice(s.mid.length - plan.maxTokensPerDoc) };
    }
    const full = [...s.head, ...s.mid, ...s.tail];
    const cap = this.parts[this.doc]!.cap;
    const { keep, cutBefore } = this.fit(parts, Math.min(full.length, cap));
    const room = Math.min(cap, this.room(parts));
    const tooLong = () => new RerankError('RERANK_LIMIT', `document ${key}'s prompt is longer than the max length ${this.maxLength} (recipe ${this.recipe.name}) and truncate is false`);
    const assemble = (docPart: number[], cut = 0) => {
      const before = parts.slice(0, this.doc).flat();
      return [...before.slice(0, before.length - cut), ...docPart, ...parts.slice(this.doc + 1).flat()];
    };
    const size = room - s.head.length - s.tail.length;
    if (plan.chunk && full.length > room && size >= 1) {
      const windows = tile(s.mid, size, plan.direction);
      if (!plan.truncate && (queryCut || windows.length > plan.maxChunks)) throw tooLong();
      return windows.slice(0, plan.maxChunks).map((w) => assemble([...s.head, ...w, ...s.tail]));
    }
    const cut = queryCut || keep < full.length || cutBefore > 0;
    if (cut && !plan.truncate) throw tooLong();
    return [assemble(kept(s, full, keep, plan.direction), cutBefore)];
  }

  /**
   * The recipe's rule: how many document-part tokens stay (of `length`, already capped), and how many
   * tokens the parts before it lose from their end (only-second, when the document part runs out).
   */
  private fit(parts: number[][], length: number): { keep: number; cutBefore: number } {
    const sum = (from: number, to: number) => parts.slice(from, to).reduce((n, p) => n + p.length, 0);
    if (this.recipe.truncation === 'fit-all') {
      const room = this.maxLength - sum(0, parts.length);
      if (room < 0) throw new RerankError('RERANK_LIMIT', `the query is too long for the max length ${this.maxLength} of recipe ${this.recipe.name}, whose rule cuts only the document part`);
      return { keep: Math.min(length, room), cutBefore: 0 };
    }
    // transformers' only_second: the second sequence loses tokens from its end, and is left whole
    // (with an error logged) when it has no more than must go.
    const first = sum(0, this.firstEnd + 1);
    const second = sum(this.firstEnd + 1, this.doc) + length;
    const remove = first + second - this.maxLength;
    if (remove <= 0 || second <= remove) return { keep: length, cutBefore: 0 };
    return remove <= length ? { keep: length - remove, cutBefore: 0 } : { keep: 0, cutBefore: remove - length };
  }

  /** Tokens the document part may hold with the other parts as they are (chunk windows fill this). */
  private room(parts: number[][]): number {
    const sum = (from: number, to: number) => parts.slice(from, to).reduce((n, p) => n + p.length, 0);
    return this.recipe.truncation === 'fit-all' ? this.maxLength - sum(0, parts.length) : this.maxLength - sum(0, this.doc);
  }
}

/** A document part cut to `keep` tokens: its first ones (the recipe's cut) or, direction 'left', the document's last ones. */
function kept(s: Split, full: number[], keep: number, direction: 'left' | 'right'): number[] {
  if (keep >= full.length) return full;
  const frame = s.head.length + s.tail.length;
  if (direction === 'right' || keep < frame) return full.slice(0, keep);
  return [...s.head, ...s.mid.slice(s.mid.length - (keep - frame)), ...s.tail];
}

/** Windows of `size` tokens overlapping by a quarter, in document order (direction 'left': from the end). */
function tile(mid: number[], size: number, direction: 'left' | 'right'): number[][] {
  const step = Math.max(1, size - Math.floor(size * OVERLAP));
  const out: number[][] = [];
  for (let start = 0; ; start += step) {
    out.push(direction === 'left' ? mid.slice(Math.max(0, mid.length - start - size), mid.length - start) : mid.slice(start, start + size));
    if (start + size >= mid.length) break;
  }
  return out;
}

/**
 * Splits a document part's ids at the document: what they share with the same part rendered with an
 * empty document, at the start (head) and at the end (tail), frames the document's own tokens (mid).
 * Only windows, document caps and left cuts use the split; the recipe's own cut keeps the first tokens.
 */
function split(ids: number[], empty: number[]): Split {
  let h = 0;
  while (h < ids.length && h < empty.length && ids[h] === empty[h]) h++;
  let t = 0;
  while (t < ids.length - h && t < empty.length - h && ids[ids.length - 1 - t] === empty[empty.length - 1 - t]) t++;
  return { head: ids.slice(0, h), mid: ids.slice(h, ids.length - t), tail: ids.slice(ids.length - t) };
}

function capped(ids: number[], cap: number): number[] {
  return ids.length > cap ? ids.slice(0, cap) : ids;
}

/** tokenizer_config.json and config.json, where a recipe's token names are looked up. */
export interface ModelConfigs {
  tokenizerConfig: Record<string, unknown>;
  config: Record<string, unknown>;
}

/**
 * A token part's id: bos_token / eos_token / pad_token / unk_token name the tokenizer's own
 * (tokenizer_config.json, else config.json's *_token_id), anything else is a token's text.
 */
export function tokenIdOf(tok: TextTokenizer, token: string, configs: ModelConfigs, where: string): number {
  let text = token;
  if (/^(bos|eos|pad|unk|sep|cls)_token$/.test(token)) {
    const v = configs.tokenizerConfig[token];
    const named = typeof v === 'string' ? v : (v as { content?: unknown } | undefined)?.content;
    const id = configs.config[`${token}_id`];
    if (typeof named !== 'string' && typeof id === 'number') return id;
    if (typeof named !== 'string') throw new RerankError('RERANK_MODEL_INVALID', `${where} needs the tokenizer's ${token}, which neither tokenizer_config.json nor config.json defines`);
    text = named;
  }
  const id = tok.tokenId(text);
  if (id === undefined) throw new RerankError('RERANK_MODEL_INVALID', `${where} needs the token "${text}", which is not in the tokenizer's vocabulary`);
  return id;
}
