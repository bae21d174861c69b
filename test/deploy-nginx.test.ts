/**
 * Three `rerankit serve` processes behind Debian's nginx on loopback, sharing one redis-server: load
 * through nginx survives a replica killed with SIGKILL (nginx retries the idempotent rerank POST on
 * another replica), a replica given SIGTERM drains (/ready 503 while it still serves) before it
 * closes, and a score cached by one replica is a hit on another. The nginx configuration is the one
 * docs/deploy.md ships (upstreamConf below).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, startRedis, type RedisProcess } from './helpers/redis.js';
import { BERT, call } from './server-helpers.js';

/** The nginx part docs/deploy.md ships: retry a failed or refused rerank on the next replica. */
export function upstreamConf(ports: number[], listen: number): string {
  return `
upstream rerankit {
${ports.map((p) => `  server 127.0.0.1:${p} max_fails=1 fail_timeout=10s;`).join('\n')}
  keepalive 32;
}
server {
  listen 127.0.0.1:${listen};
  location / {
    proxy_pass http://rerankit;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    # Rerank is a pure function of its body: a POST may be sent again to another replica.
    proxy_next_upstream error timeout http_502 http_503 non_idempotent;
    proxy_next_upstream_tries 3;
    proxy_connect_timeout 1s;
    proxy_read_timeout 30s;
  }
}`;
}

let prefix: string;
let redis: RedisProcess;
let nginx: ChildProcess;
let lb: string;
const replicas: { port: number; url: string; proc: ChildProcess }[] = [];

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

function rerankit(args: string[]): ChildProcess {
  const entry = "import { main } from './src/cli/main.ts'; await main(['node', 'rerankit', ...process.argv.slice(1)]);";
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function waitFor(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within 60 s: ${seen}`)), 60_000);
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) child.stderr!.off('data', onData), clearTimeout(timer), resolve();
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`exited ${code} before ${pattern}: ${seen}`))));
  });
}

async function untilUp(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never answered`);
}

before(async () => {
  prefix = await mkdtemp(join(tmpdir(), 'rerankit-nginx-'));
  redis = await startRedis();
  const ports = [await freePort(), await freePort(), await freePort()];
  for (const port of ports) {
    const proc = rerankit(['serve', '--model', `m=${BERT}`, '--port', String(port), '--cache', redis.url, '--drain-ms', '1500', '--cache-timeout-ms', '1000', '--log-level', 'warn']);
    replicas.push({ port, url: `http://127.0.0.1:${port}`, proc });
  }
  await Promise.all(replicas.map((r) => waitFor(r.proc, /ready: m/)));
  const listen = await freePort();
  const conf = join(prefix, 'nginx.conf');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${join(prefix, t)};`).join(' ');
  await writeFile(conf, `user root;\nworker_processes 1;\nerror_log ${join(prefix, 'error.log')} warn;\npid ${join(prefix, 'nginx.pid')};\nevents { worker_connections 512; }\nhttp {\n  access_log off;\n  ${temp}\n${upstreamConf(ports, listen)}\n}\n`);
  nginx = spawn('nginx', ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  lb = `http://127.0.0.1:${listen}`;
  await untilUp(`${lb}/health`);
});

after(async () => {
  for (const r of replicas) r.proc.kill('SIGKILL');
  nginx?.kill('SIGQUIT');
  await Promise.all([...replicas.map((r) => exited(r.proc)), ...(nginx ? [exited(nginx)] : [])]);
  await redis?.stop();
  await rm(prefix, { recursive: true, force: true });
});

const docs = ['the cat sat on the mat', 'dogs bark at night', 'a recipe for bread', 'cats purr when content'];
const rerank = (url: string, query: string) => call(url, '/v1/rerank', { query, documents: docs });

describe('three replicas behind nginx, sharing Redis', () => {
  it('a score cached by one replica is a hit on another', async () => {
    const first = await rerank(replicas[2]!.url, 'which animal purrs');
    assert.equal(first.headers.get('x-rerankit-cache-hits'), '0');
    for (const r of replicas.slice(0, 2)) {
      const again = await rerank(r.url, 'which animal purrs');
      assert.equal(again.headers.get('x-rerankit-cache-hits'), '4');
      assert.deepEqual(again.body.results, first.body.results);
    }
  });

  it('SIGKILL of one replica and a drained SIGTERM of another under load lose no request', async () => {
    const statuses: number[] = [];
    const latencies: number[] = [];
    let stop = false;
    let n = 0;
    const worker = async () => {
      while (!stop) {
        const t0 = performance.now();
        const r = await rerank(lb, `query ${n++} about cats`).catch(() => ({ status: 0 }));
        latencies.push(performance.now() - t0);
        statuses.push(r.status);
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, worker));
    await new Promise((r) => setTimeout(r, 600));
    const killed = replicas[0]!;
    killed.proc.kill('SIGKILL');
    await exited(killed.proc);
    const atKill = statuses.length;
    await new Promise((r) => setTimeout(r, 500));

    // Drain: at once /ready is 503 (a load balancer polling it stops sending), but requests are still served.
    const draining = replicas[1]!;
    const said = waitFor(draining.proc, /draining/);
    draining.proc.kill('SIGTERM');
    await said;
    const ready = await call(draining.url, '/ready');
    assert.deepEqual([ready.status, ready.body.status], [503, 'closing']);
    assert.equal((await rerank(draining.url, 'still served while draining')).status, 200);
    await exited(draining.proc);
    assert.equal(draining.proc.exitCode, 0);
    await new Promise((r) => setTimeout(r, 400));
    stop = true;
    await load;

    const failed = statuses.filter((s) => s !== 200).length;
    process.stderr.write(`# nginx failover: ${statuses.length} requests (${atKill} before the SIGKILL), ${failed} failed; p50 ${quantile(latencies, 0.5).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms\n`);
    // The issue's bound is "no more than were in flight on the killed replica" (at most the 6 workers);
    // with non_idempotent retries nginx sends those again too, so none fail (4 did with retries off).
    assert.equal(failed, 0, `${failed} of ${statuses.length} failed: ${[...new Set(statuses)]}`);
    assert.ok(statuses.length > atKill, 'load went on after the kill');
    // The one replica left answers everything, and the cache is still shared through it.
    const last = await rerank(lb, 'which animal purrs');
    assert.equal(last.headers.get('x-rerankit-cache-hits'), '4');
    const log = await readFile(join(prefix, 'error.log'), 'utf8');
    assert.match(log, /(Connection refused|upstream prematurely closed|reset by peer)/); // nginx saw the failures it retried
  });
});

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}
