/** Shared by the server-*.test.ts files: start a real server on 127.0.0.1:0 and talk HTTP to it. */
import { resolveSettings } from '../src/server/config.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import type { CrossEncoder } from '../src/backends/onnx/cross-encoder.js';
import type { DocInput, PairScorer, RerankOptions, RerankResult, ScoredPair, TokenCounter } from '../src/types.js';

export const BERT = 'test/fixtures/models/bert-ce-tiny';
export const XLMR = 'test/fixtures/models/xlmr-ce-tiny';
export const BERT2 = 'test/fixtures/models/bert-ce-tiny-2label';

export async function serve(overrides: Record<string, unknown>): Promise<RunningServer> {
  const settings = await resolveSettings({ host: '127.0.0.1', port: 0, logLevel: 'silent', ...overrides }, {});
  return startServer(settings);
}

export interface Answer { status: number; headers: Headers; body: any; text: string }

export async function call(url: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const raw: BodyInit | undefined = body === undefined ? undefined : typeof body === 'string' ? body : body instanceof Uint8Array ? new Blob([new Uint8Array(body)]) : JSON.stringify(body);
  const res = await fetch(url + path, {
    method: raw === undefined ? 'GET' : 'POST',
    headers: raw === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: raw,
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** The real fixture cross-encoder behind a gate, so a test can hold requests in the queue. */
export class GatedCrossEncoder implements PairScorer, TokenCounter {
  readonly name = 'gated';
  readonly identity = 'gated';
  readonly capabilities = ['score-pairs', 'count-tokens'] as const;
  private gate = Promise.resolve();
  private open = () => {};
  constructor(private readonly ce: CrossEncoder) {}
  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.open();
  }
  /** Every pair that reached the model, in order. */
  readonly seen: [string, string][] = [];
  async score(pairs: [string, string][]): Promise<ScoredPair[]> {
    await this.gate;
    this.seen.push(...pairs);
    return this.ce.score(pairs);
  }
  countTokens(query: string, docs: string[]): Promise<number[]> {
    return this.ce.countTokens(query, docs);
  }
  rerank(query: string, docs: DocInput[], o?: RerankOptions): Promise<RerankResult[]> {
    return this.ce.rerank(query, docs, o);
  }
  async close(): Promise<void> {}
}

