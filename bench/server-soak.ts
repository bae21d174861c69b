/**
 * Soak: many small requests against the server, reading the JS heap after a forced GC every 50,000
 * requests. A flat line means nothing grows per request (the score cache and the tokenizer's text
 * cache are bounded; nothing else keeps anything).
 *
 *   node --expose-gc --import tsx bench/server-soak.ts [--requests 1000000] [--connections 16] [--model DIR]
 *
 * Half the requests repeat one of 1,000 bodies (cache hits), half are new (cache misses that evict).
 * The server runs in this process so the heap can be collected before each reading; the load
 * generator's own share of the heap is part of the reading and stays flat too.
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { resolveSettings } from '../src/server/config.js';
import { startServer } from '../src/server/start.js';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000000' },
    connections: { type: 'string', default: '16' },
    model: { type: 'string', default: 'test/fixtures/models/bert-ce-tiny' },
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc --import tsx bench/server-soak.ts');

const heapMiB = () => (gc(), gc(), +(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1));
const server = await startServer(await resolveSettings({ port: 0, logLevel: 'silent', models: [args.model!], maxQueue: 1024 }, {}));
let n = 0;
const body = () => (n++ % 2
  ? JSON.stringify({ query: `query ${n % 50}`, documents: [`document ${n % 1000}`, 'another document'] })
  : JSON.stringify({ query: `q ${n}`, documents: [`fresh ${n}`, 'a shared document'] }));
const step = 50_000;
const samples: { requests: number; heapMiB: number }[] = [{ requests: 0, heapMiB: heapMiB() }];
let errors = 0;
const start = performance.now();
for (let done = 0; done < Number(args.requests); done += step) {
  const r = await autocannon({
    url: `${server.url}/v2/rerank`, amount: Math.min(step, Number(args.requests) - done), connections: Number(args.connections),
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (q: object) => ({ ...q, body: body() }) }],
  });
  errors += r.errors + r.non2xx;
  samples.push({ requests: done + r.requests.total, heapMiB: heapMiB() });
}
const seconds = (performance.now() - start) / 1000;
await server.close();
const heaps = samples.slice(2).map((s) => s.heapMiB); // after the caches have filled
console.log(JSON.stringify({
  requests: samples.at(-1)!.requests, errors, seconds: Math.round(seconds), perSecond: Math.round(samples.at(-1)!.requests / seconds),
  heapAfterGcMiB: { start: samples[0]!.heapMiB, min: Math.min(...heaps), max: Math.max(...heaps), end: samples.at(-1)!.heapMiB }, samples,
}));
