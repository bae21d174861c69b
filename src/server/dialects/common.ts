import { randomUUID } from 'node:crypto';
import { RerankError } from '../../errors.js';
import { docText as plainText } from '../../rerank-input.js';
import type { Dialect } from '../http-errors.js';
import type { ServeAnswer, ServeRequest } from '../serve.js';

/**
 * A dialect's route as pure mappers around the one serve path: its body becomes a ServeRequest, the
 * ServeAnswer becomes its body, and its errors take the shape `dialect` names (src/server/http-errors.ts).
 */
export interface DialectRoute<Body = any> {
  url: string;
  schema: Record<string, unknown>;
  /** The error shape this route's clients read. */
  dialect: Dialect;
  /** For paths two dialects share: the shape decided from the parsed body. */
  dialectOf?: (body: unknown) => Dialect;
  /** Turns a schema validation failure into this dialect's own message (else the generic one). */
  invalid?: (err: Error & { validation?: { keyword: string }[] }) => Error;
  toRequest(body: Body, params: Record<string, string>): ServeRequest;
  toBody(answer: ServeAnswer, body: Body): unknown;
}

/** The text a document contributes: a string, its `text`, or Cohere's `rank_fields` joined as `key: value` lines. */
export function docText(doc: unknown, i: number, rankFields?: string[]): string {
  if (!rankFields?.length || typeof doc === 'string') return plainText(doc, i);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new RerankError('RERANK_BAD_DOCUMENT', `document ${i} must be a string or an object with the rank_fields, got ${Array.isArray(doc) ? 'an array' : typeof doc}`);
  }
  const o = doc as Record<string, unknown>;
  return rankFields.filter((f) => o[f] !== undefined).map((f) => `${f}: ${fieldText(o[f])}`).join('\n');
}

function fieldText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function requestId(): string {
  return randomUUID();
}

/** Narrows an answer to the op a route sent (routes only ever get back what they asked for). */
export function rerankAnswer(a: ServeAnswer): Extract<ServeAnswer, { op: 'rerank' }> {
  if (a.op !== 'rerank') throw new Error(`expected a rerank answer, got ${a.op}`);
  return a;
}

/** OpenAPI fragments shared by the dialects' response schemas (documentation; answers are sent as built). */
export const num = { type: 'number' } as const;
export const int = { type: 'integer' } as const;
export const str = { type: 'string' } as const;

/** Every error answer carries our stable code besides the dialect's own fields. */
export function errorResponses(shape: Record<string, unknown>, description: string) {
  const schema = { type: 'object', description, properties: { ...shape, code: { type: 'string', description: 'rerankit\'s stable error code (RERANK_*)' } }, additionalProperties: true };
  return { '4xx': schema, '5xx': schema };
}
