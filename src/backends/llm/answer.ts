import { RerankError } from '../../errors.js';

/** Reading OpenAI-compatible answers: text, usage, and first-token top log-probabilities in either API's shape. */
export interface TokenLogprob {
  token: string;
  logprob: number;
}

export interface LlmAnswer {
  text: string;
  /** Alternatives for the first generated token, when the endpoint returned log-probabilities. */
  topLogprobs?: TokenLogprob[];
}

// Untrusted JSON, checked field by field where it is read.
type Json = Record<string, any>;

export function parseAnswer(body: unknown, service: string): { answer: LlmAnswer; promptTokens: number; completionTokens: number } {
  const choice = (body as Json | null)?.choices?.[0] as Json | undefined;
  const text = choice?.message?.content ?? choice?.text;
  if (typeof text !== 'string') {
    throw new RerankError('RERANK_UPSTREAM', `${service} answered without choices[0].message.content: ${JSON.stringify(body)?.slice(0, 160)}`);
  }
  const usage = (body as Json).usage as Json | undefined;
  const answer: LlmAnswer = { text };
  const lp = firstTokenLogprobs(choice?.logprobs);
  if (lp) answer.topLogprobs = lp;
  return { answer, promptTokens: count(usage?.prompt_tokens), completionTokens: count(usage?.completion_tokens) };
}

/** Chat: logprobs.content[0].top_logprobs = [{token, logprob}]; completions: logprobs.top_logprobs[0] = {token: logprob}. */
function firstTokenLogprobs(lp: Json | null | undefined): TokenLogprob[] | undefined {
  if (!lp || typeof lp !== 'object') return undefined;
  const chat = lp.content?.[0]?.top_logprobs;
  if (Array.isArray(chat)) {
    return chat.filter((t: Json) => typeof t?.token === 'string' && typeof t?.logprob === 'number').map((t: Json) => ({ token: t.token, logprob: t.logprob }));
  }
  const legacy = lp.top_logprobs?.[0];
  if (legacy && typeof legacy === 'object') {
    return Object.entries(legacy as Record<string, unknown>)
      .filter(([, v]) => typeof v === 'number')
      .map(([token, logprob]) => ({ token, logprob: logprob as number }));
  }
  return undefined;
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** `http://host:8000` → `http://host:8000/v1/chat/completions`; a full endpoint URL is kept as given. */
export function endpointPath(baseUrl: string, endpoint: 'chat' | 'completions'): string {
  const b = baseUrl.replace(/\/+$/, '');
  if (/\/(chat\/)?completions$/.test(b)) return b;
  let path: string;
  try {
    path = new URL(b).pathname;
  } catch {
    throw new RerankError('RERANK_BAD_OPTION', `LLM base URL is not a URL: "${baseUrl}"`);
  }
  const withVersion = path === '/' || path === '' ? `${b}/v1` : b;
  return `${withVersion}/${endpoint === 'chat' ? 'chat/completions' : 'completions'}`;
}
