/**
 * What the shared Redis cache costs and saves per request, and what a dead or frozen Redis adds:
 * one in-process server on the tiny BERT fixture (local cache off, so every request asks Redis),
 * sequential /v1/rerank requests of 8 documents, each with a new query (all misses) or a repeated one
 * (all shared hits). Prints median and p95 milliseconds per state.
 *   node --import tsx bench/redis-fallback.ts [requests per state, default 300]
 */
import { resolveSettings } from '../src/server/config.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { startRedis } from '../test/helpers/redis.js';

const N = Number(process.argv[2] ?? 300);
const MODEL = 'test/fixtures/models/bert-ce-tiny';
const docs = Array.from({ length: 8 }, (_, i) => `document ${i} about cats, dogs and the weather in spring`);

async function server(extra: Record<string, unknown>): Promise<RunningServer> {
  return startServer(await resolveSettings({ host: '127.0.0.1', port: 0, logLevel: 'silent', models: [`m=${MODEL}`], cacheSize: 0, ...extra }, {}));
}

async function measure(url: string, label: string, query: (i: number) => string): Promise<void> {
  const ms: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const r = await fetch(`${url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: query(i), documents: docs }) });
    await r.text();
    if (r.status !== 200) throw new Error(`${label}: status ${r.status}`);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!.toFixed(2);
  console.log(`${label.padEnd(44)} median ${q(0.5)} ms  p95 ${q(0.95)} ms  max ${ms.at(-1)!.toFixed(2)} ms`);
}

const run = Date.now();
const redis = await startRedis();
const plain = await server({});
const shared = await server({ cache: redis.url, cacheTimeoutMs: 50 });
await measure(plain.url, 'no shared cache (misses)', (i) => `plain ${run} ${i}`);
await measure(shared.url, 'Redis up, all misses (MGET + write-back)', (i) => `up ${run} ${i}`);
await measure(shared.url, 'Redis up, all shared hits', (i) => `up ${run} ${i}`);
redis.proc.kill('SIGSTOP');
await measure(shared.url, 'Redis frozen (SIGSTOP), timeout 50 ms', (i) => `frozen ${run} ${i}`);
redis.proc.kill('SIGCONT');
await redis.stop();
await new Promise((r) => setTimeout(r, 200));
await measure(shared.url, 'Redis killed', (i) => `killed ${run} ${i}`);
await plain.close();
await shared.close();
