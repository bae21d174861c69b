/**
 * One table of stable error codes. Every error a user can cause is a RerankError with a code from here;
 * the CLI prints `error [CODE]: message`, the server maps `status` to the HTTP answer in one place.
 */
export const ERRORS = {
  RERANK_BAD_INPUT: { status: 422, text: 'invalid input' },
  RERANK_EMPTY_QUERY: { status: 422, text: 'query must be a non-empty string' },
  RERANK_NO_DOCUMENTS: { status: 422, text: 'documents must be a non-empty list' },
  RERANK_BAD_DOCUMENT: { status: 422, text: 'a document must be a string or an object with a string "text" field' },
  RERANK_BAD_OPTION: { status: 400, text: 'invalid option' },
  RERANK_MODEL_NOT_FOUND: { status: 404, text: 'model not found' },
  RERANK_MODEL_INVALID: { status: 500, text: 'model files are invalid' },
  RERANK_ONNX_NOT_FOUND: { status: 404, text: 'no ONNX file for the requested dtype' },
  RERANK_ONNX_INVALID: { status: 500, text: 'ONNX file cannot be loaded' },
  RERANK_TOKENIZER_INVALID: { status: 500, text: 'tokenizer.json cannot be loaded' },
  RERANK_MODEL_OUTPUT: { status: 500, text: 'model output is not [batch, labels]' },
  RERANK_HUB_NOT_FOUND: { status: 404, text: 'not found on the Hugging Face hub' },
  RERANK_HUB_AUTH: { status: 401, text: 'the hub refused access (set HF_TOKEN)' },
  RERANK_HUB_ERROR: { status: 502, text: 'hub download failed' },
  RERANK_OFFLINE: { status: 503, text: 'offline and not in the cache' },
  RERANK_CLOSED: { status: 503, text: 'model is closed' },
  RERANK_FILE: { status: 400, text: 'cannot read file' },
  RERANK_UNAVAILABLE: { status: 503, text: 'service unavailable' },
  RERANK_UPSTREAM: { status: 502, text: 'upstream service failed' },
  RERANK_TIMEOUT: { status: 504, text: 'upstream timed out' },
  RERANK_NOT_FOUND: { status: 404, text: 'not found' },
  RERANK_UNAUTHORIZED: { status: 401, text: 'missing or invalid API key' },
  RERANK_LIMIT: { status: 413, text: 'request exceeds a limit' },
  RERANK_OVERLOADED: { status: 429, text: 'server is overloaded' },
  RERANK_RATE_LIMITED: { status: 429, text: 'this API key is over its rate limit' },
  RERANK_INTERNAL: { status: 500, text: 'internal server error' },
  RERANK_USAGE: { status: 400, text: 'invalid command line (see --help)' },
  RERANK_CONFIG: { status: 400, text: 'invalid configuration' },
  // 499 is nginx's "client closed request": nobody reads it, but logs and metrics do.
  RERANK_CANCELLED: { status: 499, text: 'the client closed the connection' },
  RERANK_DEADLINE: { status: 504, text: 'the request cannot finish before its deadline' },
  RERANK_MEDIA_TYPE: { status: 415, text: 'unsupported content encoding' },
  RERANK_LOADING: { status: 503, text: 'the model is still loading' },
  RERANK_METHOD: { status: 405, text: 'method not allowed' },
  RERANK_BAD_EVENT: { status: 400, text: 'invalid feedback event' },
  RERANK_STORE: { status: 500, text: 'the learning store cannot be read' },
} as const satisfies Record<string, { status: number; text: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class RerankError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERRORS[code].text, options);
    this.name = 'RerankError';
    this.code = code;
    this.status = ERRORS[code].status;
  }
}

export function isRerankError(e: unknown): e is RerankError {
  return e instanceof RerankError;
}

/** The message of any thrown value, for one-line reports. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
