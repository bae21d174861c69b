import { RerankError } from '../../errors.js';
import type { DocInput, Reranker, RerankOptions, RerankResult } from '../../types.js';
import type { Dialect, Scored } from './dialects.js';
import { postJson } from '../../util/http.js';
import { Limiter } from '../../util/limit.js';
import { checkRerankInput, finishResults } from '../../rerank-input.js';

export interface RemoteRerankerOptions {
  /** Base URL of the service (the dialect's path is appended); required where the dialect has no default. */
  baseUrl?: string;
  apiKey?: string;
  /** Remote model name; the dialect's default when omitted. */
  model?: string;
  /** Per-request timeout in ms (default 60 000). */
  timeoutMs?: number;
  /** Retries on 429 / 5xx / network errors (default 3). */
  retries?: number;
  /** First backoff delay in ms (default 500). */
  backoffMs?: number;
  /** Batches in flight at once (default 4). */
  concurrency?: number;
  /** Override the dialect's documents-per-request limit. */
  maxDocumentsPerRequest?: number;
}

export interface RemoteStats {
  requests: number;
  documents: number;
  /** Attempts beyond the first, over all requests. */
  retries: number;
  latencyMs: number;
}

/** A hosted rerank API behind the Reranker interface: batching, concurrency, retries, uniform results. */
export class RemoteReranker implements Reranker {
  readonly name: string;
  readonly url: string;
  readonly stats: RemoteStats = { requests: 0, documents: 0, retries: 0, latencyMs: 0 };
  private readonly limiter: Limiter;
  private readonly headers: Record<string, string>;
  private readonly maxDocs: number;
  private readonly model: string | undefined;
  private closed = false;

  constructor(private readonly dialect: Dialect, private readonly o: RemoteRerankerOptions = {}) {
    const base = o.baseUrl ?? dialect.defaultBaseUrl;
    if (!base) throw new RerankError('RERANK_BAD_OPTION', `${dialect.service} needs a base URL (--api-base-url)`);
    this.url = endpointUrl(base, dialect.path);
    this.model = o.model ?? dialect.defaultModel;
    this.name = `${dialect.service}:${this.model ?? 'default'}`;
    this.maxDocs = o.maxDocumentsPerRequest ?? dialect.maxDocuments;
    this.limiter = new Limiter(o.concurrency ?? 4);
    this.headers = o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {};
  }

  async rerank(query: string, documents: DocInput[], options: RerankOptions = {}): Promise<RerankResult[]> {
    if (this.closed) throw new RerankError('RERANK_CLOSED', `${this.name} is closed`);
    const texts = checkRerankInput(query, documents, options);
    const batches = chunk(texts, this.maxDocs);
    // top_n is only safe to forward when one request sees every document.
    const topN = batches.length === 1 && options.topK !== undefined ? Math.min(options.topK, texts.length) : undefined;
    const parts = await this.limiter.map(batches, (b, i) => this.call(query, b, i * this.maxDocs, topN));
    return finishResults(parts.flat(), documents, options);
  }

  private async call(query: string, texts: string[], offset: number, topN: number | undefined): Promise<Scored[]> {
    const body = this.dialect.request(query, texts, this.model, topN);
    const res = await postJson(this.url, body, {
      service: `${this.dialect.service} rerank`, headers: this.headers,
      timeoutMs: this.o.timeoutMs, retries: this.o.retries, backoffMs: this.o.backoffMs,
    });
    this.stats.requests++;
    this.stats.documents += texts.length;
    this.stats.retries += res.attempts - 1;
    this.stats.latencyMs += res.latencyMs;
    const scored = this.dialect.parse(res.body, this.dialect.service);
    checkIndexes(scored, texts.length, topN, this.dialect.service);
    return scored.map((s) => ({ ...s, index: s.index + offset }));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Every index in range and unique; all documents present unless top_n was asked for. */
function checkIndexes(scored: Scored[], n: number, topN: number | undefined, service: string): void {
  const seen = new Set<number>();
  for (const s of scored) {
    if (s.index < 0 || s.index >= n || seen.has(s.index)) {
      throw new RerankError('RERANK_UPSTREAM', `${service} answered an invalid or repeated index ${s.index} for ${n} documents`);
    }
    seen.add(s.index);
  }
  const expected = topN ?? n;
  if (seen.size < expected) throw new RerankError('RERANK_UPSTREAM', `${service} answered ${seen.size} results for ${expected} expected`);
}

/** Joins base and path without doubling a version prefix: `https://api.jina.ai/v1` + `/v1/rerank`. */
export function endpointUrl(base: string, path: string): string {
  const b = base.replace(/\/+$/, '');
  if (b.endsWith(path)) return b;
  const prefix = /^\/v\d+/.exec(path)?.[0];
  if (prefix && b.endsWith(prefix)) return b + path.slice(prefix.length);
  return b + path;
}

function chunk<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
