import { LRUCache } from 'lru-cache';
import { postJson } from '../../util/http.js';
import { Limiter } from '../../util/limit.js';
import { endpointPath, parseAnswer, type LlmAnswer } from './answer.js';

/** A client for any OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp, Ollama, LM Studio, TGI...). */
export interface LlmClientOptions {
  /** e.g. `http://localhost:8000/v1`; a bare origin gets `/v1` appended. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** `chat` (default) posts /chat/completions; `completions` posts /completions with the messages joined. */
  endpoint?: 'chat' | 'completions';
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Cached answers (LRU entries, default 1000); `false` or 0 disables the cache. */
  cache?: number | false;
  /** Merged into every request body (e.g. `{ seed: 1 }` or vLLM's `{ top_k: 1 }`). */
  extraBody?: Record<string, unknown>;
  /** Called after every request, cached or not. */
  onRequest?: (r: RequestRecord) => void;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface AskOptions {
  maxTokens?: number;
  /** Ask for the top alternatives of the first generated token (pointwise yes/no scoring). */
  topLogprobs?: number;
}

/** What one request cost; `cached` requests cost no tokens. */
export interface RequestRecord {
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  attempts: number;
  cached: boolean;
}

export interface LlmStats {
  requests: number;
  cacheHits: number;
  retries: number;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
}

export class LlmClient {
  readonly url: string;
  readonly stats: LlmStats = { requests: 0, cacheHits: 0, retries: 0, promptTokens: 0, completionTokens: 0, latencyMs: 0 };
  /** The most recent requests (up to 100), oldest first. */
  readonly recent: RequestRecord[] = [];
  private readonly limiter: Limiter;
  private readonly cache?: LRUCache<string, LlmAnswer>;
  private readonly inflight = new Map<string, Promise<LlmAnswer>>();

  constructor(readonly o: LlmClientOptions) {
    this.url = endpointPath(o.baseUrl, o.endpoint ?? 'chat');
    this.limiter = new Limiter(o.concurrency ?? 4);
    const size = o.cache ?? 1000;
    if (size) this.cache = new LRUCache({ max: size });
  }

  get lastRequest(): RequestRecord | undefined {
    return this.recent.at(-1);
  }

  /** Sends the conversation (temperature 0) and returns the answer text and first-token log-probabilities. */
  async ask(messages: ChatMessage[], a: AskOptions = {}): Promise<LlmAnswer> {
    const body = this.body(messages, a);
    const key = JSON.stringify(body);
    const hit = this.cache?.get(key);
    if (hit) {
      this.stats.cacheHits++;
      this.record({ latencyMs: 0, promptTokens: 0, completionTokens: 0, attempts: 0, cached: true });
      return hit;
    }
    // Identical requests in flight share one call (pointwise/pairwise often repeat themselves).
    let p = this.inflight.get(key);
    if (!p) {
      p = this.limiter.run(() => this.send(body)).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    const answer = await p;
    this.cache?.set(key, answer);
    return answer;
  }

  private body(messages: ChatMessage[], a: AskOptions): Record<string, unknown> {
    const chat = (this.o.endpoint ?? 'chat') === 'chat';
    const b: Record<string, unknown> = { model: this.o.model, temperature: 0, max_tokens: a.maxTokens ?? 256, ...this.o.extraBody };
    if (chat) b.messages = messages;
    else b.prompt = messages.map((m) => m.content).join('\n\n');
    if (a.topLogprobs) Object.assign(b, chat ? { logprobs: true, top_logprobs: a.topLogprobs } : { logprobs: a.topLogprobs });
    return b;
  }

  private async send(body: Record<string, unknown>): Promise<LlmAnswer> {
    const headers: Record<string, string> = this.o.apiKey ? { authorization: `Bearer ${this.o.apiKey}` } : {};
    const res = await postJson(this.url, body, {
      service: `LLM ${this.o.model}`, headers, timeoutMs: this.o.timeoutMs, retries: this.o.retries, backoffMs: this.o.backoffMs,
    });
    const { answer, promptTokens, completionTokens } = parseAnswer(res.body, `LLM ${this.o.model} at ${this.url}`);
    this.stats.requests++;
    this.stats.retries += res.attempts - 1;
    this.stats.promptTokens += promptTokens;
    this.stats.completionTokens += completionTokens;
    this.stats.latencyMs += res.latencyMs;
    this.record({ latencyMs: res.latencyMs, promptTokens, completionTokens, attempts: res.attempts, cached: false });
    return answer;
  }

  private record(r: RequestRecord): void {
    this.recent.push(r);
    if (this.recent.length > 100) this.recent.shift();
    this.o.onRequest?.(r);
  }
}
