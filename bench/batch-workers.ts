// Throughput of `rerankit batch` with 1, 2, 4 worker processes on one machine, in pairs/s:
//   node --import tsx bench/batch-workers.ts [--workers 1,2,4] [--queries 40] [--docs 50] [--threads 1]
// A private redis-server, the bench's MiniLM-L6-shaped random-weight model (rerankit bench makes it),
// titles-100-like texts from the bench's seeded workloads. Each round starts its workers, waits until
// they are ready, and times `batch submit` alone (model loading is not counted).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchModelFolder } from '../src/bench/models.js';
import { loadWords, phrase, seeded } from '../src/bench/workloads.js';
import { startRedis } from '../test/helpers/redis.js';

const { values } = parseArgs({ options: { workers: { type: 'string', default: '1,2,4' }, queries: { type: 'string', default: '40' }, docs: { type: 'string', default: '50' }, threads: { type: 'string', default: '1' } } });
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const spawnCli = (args: string[]): ChildProcess => spawn(process.execPath, ['--import', 'tsx', '-e', `import(${JSON.stringify(MAIN)}).then((m) => m.main(['node', 'rerankit', ...process.argv.slice(1)]))`, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });

const model = await benchModelFolder('minilm-l6', (l) => console.error(l));
const words = loadWords();
const rand = seeded(7);
const lists = Array.from({ length: Number(values.queries) }, (_, q) => ({
  qid: `q${q}`, query: phrase(words, rand, 3 + Math.floor(rand() * 4), false),
  candidates: Array.from({ length: Number(values.docs) }, (_, d) => ({ docid: `d${d}`, text: phrase(words, rand, 8 + Math.floor(rand() * 23), false) })),
}));
const dir = mkdtempSync(join(tmpdir(), 'rerankit-bench-batch-'));
const input = join(dir, 'c.jsonl');
writeFileSync(input, lists.map((l) => JSON.stringify(l)).join('\n') + '\n');
const pairs = lists.length * Number(values.docs);
const redis = await startRedis();
const rows: { workers: number; seconds: number; pairsPerSecond: number }[] = [];
try {
  for (const n of values.workers!.split(',').map(Number)) {
    const workers = await Promise.all(Array.from({ length: n }, () => new Promise<ChildProcess>((resolve, reject) => {
      const p = spawnCli(['batch', 'worker', '--redis', redis.url, '--model', model, '--threads', values.threads!]);
      let log = '';
      p.stderr!.on('data', (d) => { log += d; if (log.includes('taking chunks')) resolve(p); });
      p.once('exit', (c) => reject(new Error(`worker exited ${c}: ${log}`)));
    })));
    const t0 = performance.now();
    const submit = spawnCli(['batch', 'submit', '--redis', redis.url, '--candidates', input, '--model', model, '--out', join(dir, `out-${n}.jsonl`), '--chunk', '2']);
    let err = '';
    submit.stderr!.on('data', (d) => { err += d; });
    const code = await new Promise((r) => submit.once('exit', r));
    if (code !== 0) throw new Error(`submit failed: ${err}`);
    const seconds = (performance.now() - t0) / 1000;
    rows.push({ workers: n, seconds, pairsPerSecond: pairs / seconds });
    console.error(`${n} worker(s): ${pairs} pairs in ${seconds.toFixed(1)}s = ${(pairs / seconds).toFixed(0)} pairs/s`);
    await Promise.all(workers.map((p) => new Promise((r) => { p.once('exit', r); p.kill('SIGTERM'); })));
  }
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ model: 'minilm-l6 (random weights)', queries: lists.length, docsPerQuery: Number(values.docs), pairs, threadsPerWorker: Number(values.threads), rows }, null, 2));
