import { ERRORS, isRerankError, messageOf } from '../errors.js';

/** The error shapes clients expect; a route names its dialect, /rerank decides by the body. */
export type Dialect = 'cohere' | 'tei' | 'infinity' | 'metarank' | 'plain';

/** Any failure reduced to what an HTTP answer needs. */
export interface HttpFailure { status: number; code: string; message: string }

interface FastifyLikeError { statusCode?: number; code?: string; validation?: unknown; validationContext?: string; message: string }

/** The one place where thrown values become statuses: user mistakes are 4xx, only our bugs are 500. */
export function toFailure(err: unknown, limits: { maxBodyBytes: number }): HttpFailure {
  if (isRerankError(err)) return { status: err.status, code: err.code, message: err.message };
  const e = (err ?? {}) as FastifyLikeError;
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { status: 413, code: 'RERANK_LIMIT', message: `request body exceeds maxBodyBytes (${limits.maxBodyBytes} bytes)` };
  }
  if (e.validation) return { status: 422, code: 'RERANK_BAD_INPUT', message: `invalid request: ${e.message}` };
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = e.code && e.code in ERRORS ? e.code : 'RERANK_BAD_INPUT';
    return { status, code, message: e.message || 'bad request' };
  }
  return { status: 500, code: 'RERANK_INTERNAL', message: `internal error: ${messageOf(err)}` };
}

/** TEI's error_type values (router/src/http/types.rs). */
function teiType(f: HttpFailure): string {
  if (f.status === 429) return 'overloaded';
  if (f.status === 503) return 'unhealthy';
  if (f.status >= 500) return 'backend';
  if (f.code === 'RERANK_NO_DOCUMENTS') return 'empty';
  return 'validation';
}

function openAiType(f: HttpFailure): string {
  if (f.status === 401) return 'authentication_error';
  if (f.status === 429) return 'rate_limit_error';
  if (f.status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** The body of an error answer in each dialect; every shape also carries our stable code. */
export function errorBody(dialect: Dialect, f: HttpFailure): unknown {
  switch (dialect) {
    case 'cohere': // Cohere reads `message`, Jina (FastAPI) reads `detail`: one body serves both
      return { message: f.message, detail: f.message, code: f.code };
    case 'tei':
      return { error: f.message, error_type: teiType(f), code: f.code };
    case 'infinity':
      return { error: { message: f.message, type: openAiType(f), param: null, code: f.status }, code: f.code };
    case 'metarank':
    case 'plain':
      return { error: f.message, code: f.code };
  }
}
