/**
 * Load test for `rerankit serve`: latency percentiles and throughput at several client counts and
 * request sizes, against the same model called directly in-process (the server's overhead).
 *
 *   node --import tsx bench/server-load.ts [--model DIR] [--requests N] [--clients 1,4,16] [--docs 10,100]
 *
 * Each cell sends the same number of requests both ways: enough for ~10 s of single-client work (from
 * the warm-up's latency), at least 4 per client; throughput = requests / wall time of the cell.
 * The server runs as a separate process (like production) with the score cache off, so every request
 * really runs the model. Default model: the bench's generated minilm-l6 (random-weight MiniLM-L6 shape,
 * `rerankit bench` writes it to ~/.cache/rerankit/bench/models or $RERANKIT_BENCH_DIR/models) when
 * present, else the tiny test fixture.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { CrossEncoder } from '../src/backends/onnx/cross-encoder.js';
import { benchModelsDir } from '../src/bench/paths.js';

const MINILM = join(benchModelsDir(), 'minilm-l6');

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: existsSync(MINILM) ? MINILM : 'test/fixtures/models/bert-ce-tiny' },
    requests: { type: 'string' },
    clients: { type: 'string', default: '1,4,16' },
    docs: { type: 'string', default: '10,100' },
    'max-wait-ms': { type: 'string', default: '5' },
  },
});
let singleMs = 100; // set by the warm-up of each document count
const amountFor = (clients: number) => (args.requests ? Number(args.requests) : Math.max(4 * clients, Math.min(3000, Math.ceil(10_000 / singleMs))));
const list = (s: string) => s.split(',').map(Number);

/** Deterministic passages of ~60 words (MS MARCO passage length) and short queries. */
const WORDS = 'search engine index query document relevance ranking model neural passage retrieval score user click result page web data language vector token answer question city river history science music health food travel energy climate market price'.split(' ');
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const text = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');
const requestFor = (docs: number) => ({ query: text(6), documents: Array.from({ length: docs }, () => text(60)) });

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

interface Row { p50: number; p95: number; p99: number; rps: number; errors: number; n: number }

const summary = (latencies: number[], seconds: number, errors = 0): Row => ({
  p50: pct(latencies, 50), p95: pct(latencies, 95), p99: pct(latencies, 99), rps: latencies.length / seconds, errors, n: latencies.length,
});

async function viaServer(url: string, clients: number, docs: number): Promise<Row> {
  const bodies = Array.from({ length: 64 }, () => JSON.stringify(requestFor(docs)));
  const latencies: number[] = [];
  let i = 0;
  const start = performance.now();
  const instance = autocannon({
    url: `${url}/v1/rerank`, connections: clients, amount: amountFor(clients), timeout: 600,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (r: object) => ({ ...r, body: bodies[i++ % bodies.length] }) }],
  });
  instance.on('response', (_c: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms));
  const result = await instance;
  return summary(latencies, (performance.now() - start) / 1000, result.non2xx + result.errors);
}

async function direct(model: CrossEncoder, clients: number, docs: number): Promise<Row> {
  const reqs = Array.from({ length: 64 }, () => requestFor(docs));
  const latencies: number[] = [];
  let left = amountFor(clients);
  let i = 0;
  const loop = async () => {
    while (left-- > 0) {
      const r = reqs[i++ % reqs.length]!;
      const t = performance.now();
      await model.rerank(r.query, r.documents);
      latencies.push(performance.now() - t);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: clients }, loop));
  return summary(latencies, (performance.now() - start) / 1000);
}

function startServer(): Promise<{ url: string; stop: () => void }> {
  const entry = "import { main } from './src/cli/main.ts'; await main(['node', 'rerankit', ...process.argv.slice(1)]);";
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, 'serve', '--model', args.model!, '--port', '0',
    '--log-level', 'warn', '--cache-size', '0', '--max-wait-ms', args['max-wait-ms']!, '--max-queue', '1024'], { stdio: ['ignore', 'inherit', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const url = /listening on (\S+)/.exec(err)?.[1];
      if (url && /ready:/.test(err)) resolve({ url, stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}

const f = (x: number) => x.toFixed(1).padStart(7);
const server = await startServer();
const model = await CrossEncoder.load(args.model!);
console.log(`model ${args.model}, cache off, max-wait-ms ${args['max-wait-ms']}, latencies in ms`);
console.log('docs clients    n |   server p50    p95    p99   req/s  docs/s |  direct p50    p95    p99   req/s | overhead p50  throughput');
for (const docs of list(args.docs!)) {
  for (let k = 0; k < 3; k++) { // warm both paths; the last direct call sizes the cells
    const r = requestFor(docs);
    const t = performance.now();
    await model.rerank(r.query, r.documents);
    singleMs = performance.now() - t;
    await fetch(`${server.url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) });
  }
  for (const clients of list(args.clients!)) {
    const s = await viaServer(server.url, clients, docs);
    const d = await direct(model, clients, docs);
    const ratio = `${((s.rps / d.rps) * 100).toFixed(0)}%`.padStart(11);
    console.log(`${String(docs).padStart(4)} ${String(clients).padStart(7)} ${String(s.n).padStart(4)} | ${f(s.p50)}${f(s.p95)}${f(s.p99)}${f(s.rps)}${f(s.rps * docs)} | ${f(d.p50)}${f(d.p95)}${f(d.p99)}${f(d.rps)} | ${f(s.p50 - d.p50)} ms ${ratio}${s.errors ? `  (${s.errors} errors)` : ''}`);
  }
}
await model.close();
server.stop();
