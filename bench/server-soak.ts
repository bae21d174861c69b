/**
 * Soak: many small requests against `rerankit serve`, watching the server's memory. The heap must come
 * back to where it started once the load stops (the score cache is bounded in bytes; nothing else
 * grows per request).
 *
 *   node --import tsx bench/server-soak.ts [--requests 1000000] [--connections 16] [--model DIR]
 *
 * Half the requests repeat one of 1,000 bodies (cache hits), half are new (cache misses that evict).
 * The heap is read from /metrics (rerankit_nodejs_heap_size_used_bytes) before, right after the load,
 * and after 10 s idle.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000000' },
    connections: { type: 'string', default: '16' },
    model: { type: 'string', default: 'test/fixtures/models/bert-ce-tiny' },
  },
});

function startServer(): Promise<{ url: string; stop: () => void }> {
  const entry = "import { main } from './src/cli/main.ts'; await main(['node', 'rerankit', ...process.argv.slice(1)]);";
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, 'serve', '--model', args.model!, '--port', '0', '--log-level', 'warn', '--max-queue', '1024'],
    { stdio: ['ignore', 'inherit', 'pipe'] });
  return new Promise((ok, fail) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const url = /listening on (\S+)/.exec(err)?.[1];
      if (url && /ready:/.test(err)) ok({ url, stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => fail(new Error(`server exited ${code}: ${err}`)));
  });
}

async function memory(url: string): Promise<{ heapMiB: number; rssMiB: number; cacheMiB: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
  return { heapMiB: +read('rerankit_nodejs_heap_size_used_bytes').toFixed(1), rssMiB: +read('rerankit_process_resident_memory_bytes').toFixed(1), cacheMiB: +read('rerankit_cache_bytes').toFixed(2) };
}

const server = await startServer();
const repeated = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ query: `query ${i % 50}`, documents: [`document ${i}`, `another document ${i}`] }));
let n = 0;
await autocannon({ url: `${server.url}/v2/rerank`, amount: 2000, connections: 4, requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (r: object) => ({ ...r, body: repeated[n++ % 1000] }) }] });
await new Promise((r) => setTimeout(r, 2000));
const before = await memory(server.url);
const start = performance.now();
const body = () => (n++ % 2 ? repeated[n % 1000] : JSON.stringify({ query: `q ${n}`, documents: [`fresh ${n}`, 'a shared document'] }));
const chunk = Math.min(100_000, Number(args.requests));
const samples: { after: number; heapMiB: number; rssMiB: number; cacheMiB: number }[] = [];
const result = { requests: { total: 0 }, errors: 0, non2xx: 0 };
for (let done = 0; done < Number(args.requests); done += chunk) {
  const r = await autocannon({
    url: `${server.url}/v2/rerank`, amount: chunk, connections: Number(args.connections),
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (q: object) => ({ ...q, body: body() }) }],
  });
  result.requests.total += r.requests.total;
  result.errors += r.errors;
  result.non2xx += r.non2xx;
  samples.push({ after: done + chunk, ...(await memory(server.url)) });
}
const seconds = (performance.now() - start) / 1000;
const loaded = await memory(server.url);
await new Promise((r) => setTimeout(r, 10_000));
const idle = await memory(server.url);
server.stop();
console.log(JSON.stringify({ requests: result.requests.total, errors: result.errors + result.non2xx, seconds: Math.round(seconds), perSecond: Math.round(result.requests.total / seconds), before, afterLoad: loaded, afterIdle10s: idle, samples }));
