import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { RerankError, messageOf } from '../../../errors.js';

/**
 * A prompt recipe: how a decoder LLM reranker turns (query, document, instruction) into prompt ids,
 * which truncation rule cuts them, which token's logit scores them and how. Plain data, so a user can
 * add one in YAML or JSON without code.
 */
export interface Recipe {
  name: string;
  description?: string;
  /** {instruction} when the caller gives none (an empty string given is kept). */
  instruction: string;
  /** The prompt in order; each part is tokenized on its own, without special tokens. */
  prompt: RecipePart[];
  /** A rule name, see TRUNCATION_RULES. */
  truncation: TruncationRule;
  /** score = softmax([logit(no), logit(yes)])[1] with `no`, sigmoid(logit(yes)) without; raw = the log-odds. */
  score: { yes: string; no?: string };
  /** Side causal exports are padded on (every recipe the papers publish pads left). */
  padding: 'left' | 'right';
  /** The prompt budget when the caller sets none (the model card's max_length). */
  maxLength: number;
}

export interface RecipePart {
  /** Text with {instruction}, {query} and {document} placeholders ({{ and }} for literal braces). */
  text?: string;
  /** One token: by its text ("<bos>"), or bos_token / eos_token / pad_token for the tokenizer's own. */
  token?: string;
  /** Keep only the first ⌊maxTokens × max_length⌋ tokens of this part (a fraction in (0, 1]). */
  maxTokens?: number;
}

export const TRUNCATION_RULES = {
  /** Qwen3-Reranker: the part holding {document} keeps its first tokens so that the whole prompt fits max_length. */
  'fit-all': 'the part holding {document} keeps its first tokens so that the whole prompt fits max_length',
  /**
   * bge-reranker-v2-gemma's model card (transformers' truncation='only_second'): the parts through the
   * last {query} part are the first sequence, the parts after it through the {document} part the second;
   * the second loses tokens from its end until both fit max_length; the parts after the document are
   * appended beyond max_length.
   */
  'only-second': 'the second sequence (the parts after the query through the document) is cut from its end until the pair fits max_length; later parts are added beyond it',
} as const;
export type TruncationRule = keyof typeof TRUNCATION_RULES;

const QWEN3_SYSTEM = 'Judge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".';

/** The official recipes, as their model cards and reference code write them. */
export const PRESETS: Record<string, Recipe> = {
  // QwenLM/Qwen3-Embedding README, "Reranker Model" (also the prompt of the seq-cls conversions).
  'qwen3-reranker': {
    name: 'qwen3-reranker',
    description: 'Qwen/Qwen3-Reranker-0.6B/4B/8B and their seq-cls conversions',
    instruction: 'Given a web search query, retrieve relevant passages that answer the query',
    prompt: [
      { text: `<|im_start|>system\n${QWEN3_SYSTEM}<|im_end|>\n<|im_start|>user\n` },
      { text: '<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}' },
      { text: '<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n' },
    ],
    truncation: 'fit-all',
    score: { yes: 'yes', no: 'no' },
    padding: 'left',
    maxLength: 8192,
  },
  // The model card's get_inputs (FlagEmbedding examples/inference/reranker), normalize=False for raw.
  'bge-reranker-v2-gemma': {
    name: 'bge-reranker-v2-gemma',
    description: 'BAAI/bge-reranker-v2-gemma',
    instruction: "Given a query A and a passage B, determine whether the passage contains an answer to the query by providing a prediction of either 'Yes' or 'No'.",
    prompt: [
      { token: 'bos_token' },
      { text: 'A: {query}', maxTokens: 0.75 },
      { text: '\n' },
      { text: 'B: {document}', maxTokens: 1 },
      { text: '\n' },
      { text: '{instruction}' },
    ],
    truncation: 'only-second',
    score: { yes: 'Yes' },
    padding: 'left',
    maxLength: 1024,
  },
};

const PART = z
  .object({
    text: z.string().optional(),
    token: z.string().min(1).optional(),
    maxTokens: z.number().gt(0).max(1).optional(),
  })
  .strict()
  .refine((p) => (p.text === undefined) !== (p.token === undefined), { message: 'each prompt part has either "text" or "token"' });

const RECIPE = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    instruction: z.string().default(''),
    prompt: z.array(PART).min(1),
    truncation: z.enum(Object.keys(TRUNCATION_RULES) as [TruncationRule, ...TruncationRule[]]),
    score: z.object({ yes: z.string().min(1), no: z.string().min(1).optional() }).strict(),
    padding: z.enum(['left', 'right']).default('left'),
    maxLength: z.number().int().min(1).default(8192),
  })
  .strict();

/** Placeholders a text part may use. */
export const PLACEHOLDERS = ['instruction', 'query', 'document'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** A template split into literal text and placeholders; `{{`/`}}` are literal braces. */
export type Template = (string | { slot: Placeholder })[];

export function parseTemplate(text: string, where: string): Template {
  const out: Template = [];
  let literal = '';
  let at = 0;
  for (const m of text.matchAll(/\{\{|\}\}|\{([a-z_]*)\}|[{}]/g)) {
    literal += text.slice(at, m.index);
    at = m.index! + m[0].length;
    if (m[0] === '{{' || m[0] === '}}') literal += m[0][0];
    else if (m[1] !== undefined && (PLACEHOLDERS as readonly string[]).includes(m[1])) {
      if (literal) out.push(literal);
      literal = '';
      out.push({ slot: m[1] as Placeholder });
    } else throw new RerankError('RERANK_BAD_OPTION', `${where}: ${m[1] ? `unknown placeholder "${m[0]}"` : `lone "${m[0]}" (write {{ or }} for a brace)`}; placeholders are ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`);
  }
  literal += text.slice(at);
  if (literal) out.push(literal);
  return out;
}

/** One pass over the template: a query that contains "{document}" stays as written. */
export function render(t: Template, values: Record<Placeholder, string>): string {
  return t.map((p) => (typeof p === 'string' ? p : values[p.slot])).join('');
}

export const uses = (t: Template, slot: Placeholder) => t.some((p) => typeof p !== 'string' && p.slot === slot);

/** Checks a recipe object (a user's file, or an option value) and fills its defaults. */
export function checkRecipe(value: unknown, where: string): Recipe {
  const r = RECIPE.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.length ? ` at "${issue.path.join('.')}"` : '';
    throw new RerankError('RERANK_BAD_OPTION', `${where}: invalid recipe${path}: ${issue.message}`);
  }
  const recipe = r.data as Recipe;
  const templates = recipe.prompt.map((p, i) => (p.text === undefined ? undefined : parseTemplate(p.text, `${where}: prompt[${i}]`)));
  const docParts = templates.flatMap((t, i) => (t && uses(t, 'document') ? [i] : []));
  if (docParts.length !== 1) throw new RerankError('RERANK_BAD_OPTION', `${where}: exactly one prompt part must hold {document}, found ${docParts.length}`);
  if (recipe.truncation === 'only-second' && !templates.slice(0, docParts[0]).some((t) => t && uses(t, 'query'))) {
    throw new RerankError('RERANK_BAD_OPTION', `${where}: truncation "only-second" needs a part holding {query} before the {document} part`);
  }
  return recipe;
}

/** A preset name, a recipe file (.json, .yaml, .yml) or a recipe object → a checked recipe. */
export async function resolveRecipe(spec: string | Record<string, unknown>): Promise<Recipe> {
  if (typeof spec !== 'string') return checkRecipe(spec, 'recipe');
  const preset = PRESETS[spec];
  if (preset) return preset;
  if (!/\.(json|ya?ml)$/i.test(spec)) {
    throw new RerankError('RERANK_BAD_OPTION', `unknown recipe "${spec}" (known: ${Object.keys(PRESETS).join(', ')}, or a recipe file ending in .json, .yaml or .yml)`);
  }
  let text: string;
  try {
    text = await readFile(spec, 'utf8');
  } catch (e) {
    throw new RerankError('RERANK_FILE', `cannot read the recipe ${spec}: ${(e as NodeJS.ErrnoException).code ?? messageOf(e)}`);
  }
  let value: unknown;
  try {
    value = /\.json$/i.test(spec) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new RerankError('RERANK_BAD_OPTION', `recipe ${spec} is not valid ${/\.json$/i.test(spec) ? 'JSON' : 'YAML'}: ${messageOf(e).split('\n')[0]}`);
  }
  return checkRecipe(value, `recipe ${spec}`);
}
