import { RerankError } from '../errors.js';
import { checkRerankOptions, docText, type OptionNames } from '../rerank-input.js';
import type { DocInput, RerankOptions } from '../types.js';
import { addExplanations } from './explain.js';
import type { ModelPool } from './pool.js';
import type { PairsOutcome, RequestControl, RerankOutcome, ServedModel } from './served-model.js';
import type { ServeLimits } from './settings.js';

/**
 * The one internal request every dialect's body maps to, and the one serve path that answers it.
 * Dialects (src/server/dialects) are pure mappers: body → ServeRequest, ServeAnswer → body.
 */
export type ServeRequest = RerankRequest | PairsRequest;

interface Common {
  /** A served model name or alias; absent means the default (first) model. */
  model?: string;
  /** The dialect's name for the texts field (documents, texts, input), used in error messages. */
  field: string;
  /** The dialect's names for options, used in error messages. */
  names?: OptionNames;
}

export interface RerankRequest extends Common {
  op: 'rerank';
  query: string;
  documents: DocInput[];
  options: RerankOptions;
}

/** Pairs scored in input order, each with its own query (Metarank's cross-encoder inference). */
export interface PairsRequest extends Common {
  op: 'pairs';
  pairs: [string, string][];
}

export type ServeAnswer =
  | { op: 'rerank'; model: ServedModel; outcome: RerankOutcome }
  | { op: 'pairs'; model: ServedModel; outcome: PairsOutcome };

export interface ServeContext {
  pool: ModelPool;
  limits: ServeLimits;
}

export async function serve(ctx: ServeContext, req: ServeRequest, ctl: RequestControl = {}): Promise<ServeAnswer> {
  const model = ctx.pool.get(req.model);
  if (req.op === 'pairs') {
    checkTexts(ctx.limits, req.field, [...new Set(req.pairs.map((p) => p[0]))], req.pairs.map((p) => p[1]));
    return { op: 'pairs', model, outcome: await model.scorePairs(req.pairs, {}, ctl) };
  }
  checkTexts(ctx.limits, req.field, [req.query], req.documents.map((d, i) => docText(d, i)));
  checkRerankOptions(req.options, req.names);
  const outcome = await model.rerank(req.query, req.documents, req.options, ctl);
  return { op: 'rerank', model, outcome: await addExplanations(model, req, outcome, ctl) };
}

/**
 * The client's deadline from `X-Request-Timeout` or `Timeout` (seconds, decimals allowed, or with an
 * `ms` suffix): work that cannot finish by then is not started.
 */
export function deadlineOf(headers: Record<string, string | string[] | undefined>, arrived: number): number | undefined {
  const raw = headers['x-request-timeout'] ?? headers['timeout'];
  if (raw === undefined) return undefined;
  const text = String(Array.isArray(raw) ? raw[0] : raw).trim();
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/i.exec(text);
  if (!m) throw new RerankError('RERANK_BAD_OPTION', `X-Request-Timeout must be seconds (e.g. "2.5") or milliseconds ("2500ms"), got "${text}"`);
  const ms = Number(m[1]) * (m[2]?.toLowerCase() === 'ms' ? 1 : 1000);
  return arrived + ms;
}

/** Empty inputs and the configured size limits, named as the client named its fields. */
function checkTexts(limits: ServeLimits, field: string, queries: string[], texts: string[]): void {
  if (texts.length === 0) throw new RerankError('RERANK_NO_DOCUMENTS', `${field} must be a non-empty list`);
  for (const query of queries) {
    if (query.trim() === '') throw new RerankError('RERANK_EMPTY_QUERY');
    if (query.length > limits.maxQueryChars) {
      throw new RerankError('RERANK_LIMIT', `query has ${query.length} characters; maxQueryChars is ${limits.maxQueryChars}`);
    }
  }
  if (texts.length > limits.maxDocuments) {
    throw new RerankError('RERANK_LIMIT', `${texts.length} ${field}; maxDocuments is ${limits.maxDocuments}`);
  }
  const long = texts.findIndex((t) => t.length > limits.maxDocumentChars);
  if (long >= 0) {
    throw new RerankError('RERANK_LIMIT', `${field}[${long}] has ${texts[long]!.length} characters; maxDocumentChars is ${limits.maxDocumentChars}`);
  }
}
