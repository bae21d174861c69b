import { z } from 'zod';
import { RerankError } from '../errors.js';

/**
 * Checking a bag of named options against a zod object schema, strictly, and wording the failure as
 * one RerankError('RERANK_BAD_OPTION') that names the owner, the option and what it expects:
 * `listwise: option "concurrency" must be an integer >= 1, got 0`, `cross-encoder: unknown option
 * "maxLenght" (did you mean "maxLength"?)`. The registry declares each kind's schema with these
 * builders (they carry the words for what they expect). Imports only zod and the error table.
 */

/** An option schema: an object of named options. Unknown keys are always rejected. */
export type OptionsSchema = z.AnyZodObject;

/** Numbers may arrive as strings (flags, environment variables): "8" is 8, "" and "8x" are not numbers. */
const numeric = (v: unknown) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);

/** Option schemas with the words an error uses for what they expect. */
export const opt = {
  int: (min: number) => z.preprocess(numeric, z.number().int().min(min)).describe(`an integer >= ${min}`),
  str: (what = 'a non-empty string') => z.string().min(1).describe(what),
  /** Any string; '' counts as not given (API keys, URLs and model names read from empty variables). */
  text: (what = 'a string') => z.string().describe(what),
  url: () => z.string().refine((v) => v === '' || isHttpUrl(v)).describe('an http(s) URL'),
  bool: () => z.boolean().describe('true or false'),
  oneOf: <T extends [string, ...string[]]>(...values: T) => z.enum(values).describe(alternatives(values.map((v) => `"${v}"`))),
};

/** An object of options, every one optional (the consumer says what it cannot do without), unknown keys rejected. */
export function strictOptions<T extends z.ZodRawShape>(shape: T) {
  return z.object(shape).partial().strict();
}

/** `"a"`, `"a" or "b"`, `"a", "b" or "c"`. */
function alternatives(xs: string[]): string {
  return xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}`;
}

function isHttpUrl(v: string): boolean {
  try {
    return /^https?:$/.test(new URL(v).protocol);
  } catch {
    return false;
  }
}

/** The option names a schema declares (top level). */
export function optionNames(schema: OptionsSchema): string[] {
  return Object.keys(schema.shape);
}

/**
 * Checks `options` against `schema` (strictly, nested objects too) and returns them parsed (numeric
 * strings become numbers, undefined values are dropped); `owner` starts the error message.
 */
export function checkOptions(owner: string, schema: OptionsSchema, options: Record<string, unknown>): Record<string, unknown> {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const r = strictDeep(schema).safeParse(given);
  if (r.success) return r.data as Record<string, unknown>;
  const issue = r.error.issues[0]!;
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const known = optionNames(objectAt(schema, path) ?? schema);
    const name = [...path, key].join('.');
    throw new RerankError('RERANK_BAD_OPTION', `${owner}: unknown option "${name}"${suggestion(key, known, path)}`);
  }
  const expected = describedAt(schema, path) ?? issue.message.toLowerCase();
  throw new RerankError('RERANK_BAD_OPTION', `${owner}: option "${path.join('.')}" must be ${expected}, got ${show(valueAt(given, path))}`);
}

const STRICT = new WeakMap<OptionsSchema, OptionsSchema>();

/** The schema with every nested object strict too (zod objects strip unknown keys by default). */
function strictDeep(schema: OptionsSchema): OptionsSchema {
  const done = STRICT.get(schema);
  if (done) return done;
  const shape = Object.fromEntries(Object.entries(schema.shape as Record<string, z.ZodTypeAny>).map(([k, s]) => {
    const inner = unwrap(s);
    return [k, inner instanceof z.ZodObject ? strictDeep(inner).optional() : s];
  }));
  const strict = z.object(shape).strict();
  STRICT.set(schema, strict);
  return strict;
}

/** One wrapper (optional, nullable, default, preprocess) removed; undefined for a plain schema. */
function step(s: z.ZodTypeAny): z.ZodTypeAny | undefined {
  if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) return s.unwrap();
  if (s instanceof z.ZodDefault) return s.removeDefault();
  if (s instanceof z.ZodEffects) return s.innerType();
  return undefined;
}

function unwrap(s: z.ZodTypeAny): z.ZodTypeAny {
  for (let next = step(s); next; next = step(s)) s = next;
  return s;
}

function childOf(s: z.ZodTypeAny | undefined, key: string): z.ZodTypeAny | undefined {
  const u = s && unwrap(s);
  return u instanceof z.ZodObject ? (u.shape as Record<string, z.ZodTypeAny>)[key] : undefined;
}

function objectAt(schema: OptionsSchema, path: string[]): OptionsSchema | undefined {
  let s: z.ZodTypeAny | undefined = schema;
  for (const k of path) s = childOf(s, k);
  const u = s && unwrap(s);
  return u instanceof z.ZodObject ? u : undefined;
}

/** The innermost description along the path (a union or an option with its own words wins over zod's). */
function describedAt(schema: OptionsSchema, path: string[]): string | undefined {
  let s: z.ZodTypeAny | undefined = schema;
  let found: string | undefined;
  for (const k of path) {
    s = childOf(s, k);
    if (!s) break;
    found = descriptionOf(s) ?? found;
  }
  return found;
}

function descriptionOf(s: z.ZodTypeAny): string | undefined {
  for (let cur: z.ZodTypeAny | undefined = s; cur; cur = step(cur)) if (cur.description) return cur.description;
  return undefined;
}

function valueAt(v: unknown, path: string[]): unknown {
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  try {
    return JSON.stringify(v)?.slice(0, 80) ?? String(v);
  } catch {
    return String(v);
  }
}

/** `(did you mean "maxLength"?)` for a near miss, else the list of known options. */
function suggestion(key: string, known: string[], path: string[]): string {
  const near = known.map((k) => [k, distance(key.toLowerCase(), k.toLowerCase())] as const).filter(([, d]) => d <= 2).sort((a, b) => a[1] - b[1])[0];
  if (near) return ` (did you mean "${[...path, near[0]].join('.')}"?)`;
  return known.length ? ` (known: ${known.join(', ')})` : '';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
