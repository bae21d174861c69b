/**
 * Goodput under overload: impatient clients against `rerankit serve`, counting the answers that
 * arrive within the client's timeout (useful work) per second, and how fast /health answers meanwhile.
 *
 *   node --import tsx bench/server-overload.ts [--root DIR] [--clients 64] [--seconds 20] [--docs 10]
 *        [--patience 8] [--model DIR] [--server-args "--max-queue-ms 2000"] [--deadline-header]
 *
 * The server runs as a child process from `--root` (a checkout; default this one), so two versions
 * can be measured side by side on one machine: run it once with `--root` at an older checkout.
 * Each client sends 10-document requests back to back and gives up after `patience` × the latency
 * of one request on an idle server (it closes the connection, as an HTTP client's timeout does); a
 * 429 makes it wait 250 ms. `--deadline-header` also sends the timeout as `X-Request-Timeout`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchModelFolder } from '../src/bench/models.js';

const { values: args } = parseArgs({
  options: {
    root: { type: 'string', default: '.' },
    clients: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '20' },
    docs: { type: 'string', default: '10' },
    patience: { type: 'string', default: '8' },
    model: { type: 'string' },
    'server-args': { type: 'string', default: '' },
    'deadline-header': { type: 'boolean', default: false },
  },
});

const WORDS = 'search engine index query document relevance ranking model neural passage retrieval score user click result page web data language vector token answer question city river history science music health food travel energy climate market price'.split(' ');
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const text = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');
// Every request distinct, so the score cache never answers for the model.
const body = () => JSON.stringify({ query: text(6), documents: Array.from({ length: Number(args.docs) }, () => text(60)) });
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startServer(root: string, model: string): Promise<{ url: string; stop: () => void }> {
  const entry = "import { main } from './src/cli/main.ts'; await main(['node', 'rerankit', ...process.argv.slice(1)]);";
  const extra = args['server-args']!.split(' ').filter(Boolean);
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, 'serve', '--model', model, '--port', '0', '--log-level', 'warn', '--cache-size', '0', '--max-queue', '256', ...extra],
    { cwd: root, stdio: ['ignore', 'inherit', 'pipe'] });
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

async function post(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body(), signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer();
  return res.status;
}

const model = args.model ?? (await benchModelFolder('minilm-l6', (l) => console.error(l)));
const root = resolve(args.root!);
if (!existsSync(join(root, 'src/cli/main.ts'))) throw new Error(`${root} is not a rerankit checkout`);
const server = await startServer(root, model);
let idleMs = Infinity;
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  await post(server.url, 60_000);
  idleMs = Math.min(idleMs, performance.now() - t);
}
const patienceMs = Math.round(Number(args.patience) * idleMs);
const headers: Record<string, string> = args['deadline-header'] ? { 'x-request-timeout': `${patienceMs}ms` } : {};
const counts = { good: 0, late: 0, shed: 0, other: 0 };
const latencies: number[] = [];
const end = performance.now() + Number(args.seconds) * 1000;

async function client(): Promise<void> {
  while (performance.now() < end) {
    const t = performance.now();
    try {
      const status = await post(server.url, patienceMs, headers);
      const ms = performance.now() - t;
      if (status === 200) (counts.good++, latencies.push(ms));
      else if (status === 429 || status === 503 || status === 504) (counts.shed++, await sleep(250));
      else counts.other++;
    } catch {
      counts.late++; // the client gave up: whatever the server did for it was wasted
    }
  }
}

/**
 * /health latency, probed every 50 ms from a process of its own, so the load generator's busy event
 * loop is not counted as the server's.
 */
function probe(url: string, seconds: number): Promise<number[]> {
  const code = `const out = []; const end = performance.now() + ${seconds * 1000};
    while (performance.now() < end) { const t = performance.now();
      try { await (await fetch('${url}/health', { signal: AbortSignal.timeout(5000) })).arrayBuffer(); out.push(performance.now() - t); } catch { out.push(5000); }
      await new Promise((r) => setTimeout(r, 50)); }
    console.log(JSON.stringify(out));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  return new Promise((ok) => child.once('exit', () => ok(JSON.parse(text || '[]'))));
}

const probing = probe(server.url, Number(args.seconds));
await Promise.all(Array.from({ length: Number(args.clients) }, client));
const health = await probing;
server.stop();
const seconds = Number(args.seconds);
console.log(JSON.stringify({
  root, model, clients: Number(args.clients), docs: Number(args.docs), idleMs: Math.round(idleMs), patienceMs, serverArgs: args['server-args'], deadlineHeader: args['deadline-header'],
  goodputPerSecond: +(counts.good / seconds).toFixed(2), answeredInTime: counts.good, gaveUp: counts.late, shed: counts.shed, otherErrors: counts.other,
  answeredP50: Math.round(pct(latencies, 50)), answeredP99: Math.round(pct(latencies, 99)),
  healthP50: +pct(health, 50).toFixed(1), healthP99: +pct(health, 99).toFixed(1),
}));
