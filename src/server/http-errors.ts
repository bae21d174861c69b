import { ERRORS, isRerankError, messageOf } from '../errors.js';

/** The error shapes clients expect; a route names its dialect, /rerank decides by the body. */
export type Dialect = 'cohere' | 'tei' | 'infinity' | 'tei-or-infinity' | 'metarank' | 'plain';

/** Any failure reduced to what an HTTP answer needs. */
export interface HttpFailure { status: number; code: string; message: string; field?: string }

interface AjvIssue { instancePath?: string; keyword?: string; params?: { missingProperty?: string } }
interface FastifyLikeError { statusCode?: number; code?: string; validation?: AjvIssue[]; validationContext?: string; message: string }

/** Request fields that carry the input itself; a wrong type anywhere else is a wrong option. */
const INPUT_FIELDS = new Set(['query', 'documents', 'texts', 'input']);

/** The body field a schema failure is about (`top_n`, `documents`...). */
function failedField(e: FastifyLikeError): string | undefined {
  const issue = e.validation?.[0];
  return issue?.instancePath?.split('/')[1] || issue?.params?.missingProperty;
}

/** The one place where thrown values become statuses: user mistakes are 4xx, only our bugs are 500. */
export function toFailure(err: unknown, limits: { maxBodyBytes: number }): HttpFailure {
  if (isRerankError(err)) return { status: err.status, code: err.code, message: err.message };
  const e = (err ?? {}) as FastifyLikeError;
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { status: 413, code: 'RERANK_LIMIT', message: `request body exceeds maxBodyBytes (${limits.maxBodyBytes} bytes)` };
  }
  if (e.validation) {
    // The same mistake gets the same code as in the library: a bad option is RERANK_BAD_OPTION.
    const field = failedField(e);
    const option = field !== undefined && !INPUT_FIELDS.has(field) && e.validation[0]?.keyword !== 'required';
    const code = option ? 'RERANK_BAD_OPTION' : 'RERANK_BAD_INPUT';
    return { status: ERRORS[code].status, code, message: `invalid request: ${e.message}`, field };
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = e.code && e.code in ERRORS ? e.code : 'RERANK_BAD_INPUT';
    return { status, code, message: e.message || 'bad request' };
  }
  return { status: 500, code: 'RERANK_INTERNAL', message: `internal error: ${messageOf(err)}` };
}

/**
 * The status each upstream server gives the same failure. TEI answers every validation error 422 and an
 * empty `texts` 400 (router/src/http/server.rs); Infinity answers an unknown model 400.
 */
export function dialectStatus(dialect: Dialect, f: HttpFailure): HttpFailure {
  if (dialect === 'tei') {
    if (f.code === 'RERANK_NO_DOCUMENTS') return { ...f, status: 400 };
    const userError = f.status >= 400 && f.status < 500 && ![401, 404, 429].includes(f.status) && !(f.status === 413 && /maxBodyBytes/.test(f.message));
    if (userError && f.status !== 400) return { ...f, status: 422 };
  }
  if (dialect === 'infinity' && f.code === 'RERANK_MODEL_NOT_FOUND') return { ...f, status: 400 };
  return f;
}

/** TEI's error_type, serialized from its Rust enum unrenamed (router/src/lib.rs ErrorType). */
function teiType(f: HttpFailure): string {
  if (f.status === 429) return 'Overloaded';
  if (f.status === 503) return 'Unhealthy';
  if (f.status >= 500) return 'Backend';
  if (f.code === 'RERANK_NO_DOCUMENTS') return 'Empty';
  return 'Validation';
}

function openAiType(f: HttpFailure): string {
  if (f.status === 429) return 'rate_limit_error';
  if (f.status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** FastAPI's own error bodies: `{"detail": "..."}` for 401, a pydantic issue list for 422. */
function fastApiBody(f: HttpFailure): unknown {
  if (f.status !== 422) return { detail: f.message, code: f.code };
  return { detail: [{ type: 'value_error', loc: ['body', ...(f.field ? [f.field] : [])], msg: f.message }], code: f.code };
}

/** The body of an error answer in each dialect; every shape also carries our stable code. */
export function errorBody(dialect: Dialect, f: HttpFailure): unknown {
  switch (dialect) {
    case 'cohere': // Cohere reads `message`, Jina (FastAPI) reads `detail`: one body serves both
      return { message: f.message, detail: f.message, code: f.code };
    case 'tei':
      // TEI's auth layer answers 401 with no body; Infinity clients on the same path read FastAPI's.
      if (f.status === 401) return fastApiBody(f);
      return { error: f.message, error_type: teiType(f), code: f.code };
    case 'tei-or-infinity': // before the body says which: TEI reads error/error_type, Infinity (FastAPI) detail
      return { error: f.message, error_type: teiType(f), detail: f.message, code: f.code };
    case 'infinity':
      if (f.status === 401 || f.status === 422) return fastApiBody(f);
      return { error: { message: f.message, type: openAiType(f), param: null, code: f.status }, code: f.code };
    case 'metarank':
    case 'plain':
      return { error: f.message, code: f.code };
  }
}
