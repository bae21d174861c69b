import { RerankError } from '../errors.js';

/**
 * One JSON-over-HTTP call with a per-attempt timeout and retries (exponential backoff with jitter,
 * honouring Retry-After) on 429, 5xx, network errors and timeouts. Shared by the LLM and hosted-API
 * clients so every remote backend fails the same way: a RerankError that names the service.
 */
export interface HttpOptions {
  /** Service name used in error messages ("cohere", "listwise LLM", ...). */
  service: string;
  headers?: Record<string, string>;
  /** Per-attempt timeout in milliseconds (default 60 000). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 3). */
  retries?: number;
  /** First backoff delay in milliseconds (default 500), doubled each retry. */
  backoffMs?: number;
  /** Upper bound for any single wait, Retry-After included (default 30 000). */
  maxDelayMs?: number;
}

export interface HttpResult<T> {
  body: T;
  status: number;
  attempts: number;
  /** Wall time of all attempts and waits, in milliseconds. */
  latencyMs: number;
}

class RetryableError extends Error {
  constructor(message: string, readonly retryAfter: string | null, readonly timeout = false) {
    super(message);
  }
}

export async function postJson<T = unknown>(url: string, payload: unknown, o: HttpOptions): Promise<HttpResult<T>> {
  const retries = o.retries ?? 3;
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const { body, status } = await attemptOnce<T>(url, payload, o);
      return { body, status, attempts: attempt, latencyMs: performance.now() - started };
    } catch (e) {
      if (!(e instanceof RetryableError)) throw e;
      if (attempt > retries) {
        const code = e.timeout ? 'RERANK_TIMEOUT' : 'RERANK_UPSTREAM';
        throw new RerankError(code, `${o.service} failed after ${attempt} attempt(s): ${e.message}`);
      }
      await sleep(retryDelay(attempt, e.retryAfter, o));
    }
  }
}

async function attemptOnce<T>(url: string, payload: unknown, o: HttpOptions): Promise<{ body: T; status: number }> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...o.headers },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (e) {
    const name = (e as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new RetryableError(`no answer from ${url} within ${timeoutMs} ms`, null, true);
    throw new RetryableError(`cannot reach ${url}: ${causeOf(e)}`, null);
  }
  if (res.status === 429 || res.status >= 500) {
    throw new RetryableError(`HTTP ${res.status} from ${url}: ${upstreamMessage(text)}`, res.headers.get('retry-after'));
  }
  if (!res.ok) {
    throw new RerankError('RERANK_UPSTREAM', `${o.service} refused the request: HTTP ${res.status} from ${url}: ${upstreamMessage(text)}`);
  }
  try {
    return { body: JSON.parse(text) as T, status: res.status };
  } catch {
    throw new RerankError('RERANK_UPSTREAM', `${o.service} answered with invalid JSON from ${url}: ${snippet(text)}`);
  }
}

/** Delay before retry number `attempt` (1-based): Retry-After when given, else backoff·2^(attempt-1) with ±25 % jitter. */
export function retryDelay(attempt: number, retryAfter: string | null, o: Pick<HttpOptions, 'backoffMs' | 'maxDelayMs'> = {}): number {
  const max = o.maxDelayMs ?? 30_000;
  const fromHeader = parseRetryAfter(retryAfter);
  if (fromHeader !== undefined) return Math.min(max, fromHeader);
  const base = (o.backoffMs ?? 500) * 2 ** (attempt - 1);
  return Math.min(max, base * (0.75 + Math.random() * 0.5));
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(v: string | null): number | undefined {
  if (v === null || v.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The error text an API put in its JSON body (Cohere `message`, OpenAI `error.message`, TEI `error`, FastAPI `detail`). */
export function upstreamMessage(text: string): string {
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const err = j.error as Record<string, unknown> | string | undefined;
    const m = j.message ?? (typeof err === 'object' && err ? err.message : err) ?? j.detail;
    if (m !== undefined) return snippet(typeof m === 'string' ? m : JSON.stringify(m));
  } catch {
    /* not JSON: fall through to the raw text */
  }
  return snippet(text);
}

function snippet(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t || '(empty body)';
}

function causeOf(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } })?.cause;
  return c?.code ?? c?.message ?? (e as Error)?.message ?? String(e);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
