import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';

export interface FakeHubOptions {
  /** repo id → local folder served as that repo. */
  repos: Record<string, string>;
  /** Repos that need `Authorization: Bearer <token>`. */
  gated?: Record<string, string>;
  /** Cut the connection after this many bytes on the next N downloads of .onnx files. */
  cutAfterBytes?: number;
  cutTimes?: number;
}

export interface FakeHub {
  url: string;
  requests: string[];
  close(): Promise<void>;
  options: FakeHubOptions;
}

export const FAKE_SHA = 'a'.repeat(40);

function listRepo(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const gitSha = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

/** A local HTTP server that answers in the Hugging Face hub's URL layout (api, resolve, LFS redirect). */
export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const url = decodeURIComponent(req.url ?? '');
    const api = url.match(/^\/api\/models\/([^/]+\/[^/]+)\/revision\/(.+)$/);
    const resolve = url.match(/^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/);
    const cdn = url.match(/^\/cdn\/([^/]+\/[^/]+)\/(.+)$/);
    const repo = api?.[1] ?? resolve?.[1] ?? cdn?.[1];
    const dir = repo ? options.repos[repo] : undefined;
    if (!dir) return void res.writeHead(404, { 'x-error-code': 'RepoNotFound' }).end('{"error":"Repository not found"}');
    const token = repo ? options.gated?.[repo] : undefined;
    if (token && req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end('{"error":"gated"}');
    if (api) {
      if (api[2] !== 'main' && api[2] !== FAKE_SHA) return void res.writeHead(404).end('{"error":"Revision not found"}');
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: repo, sha: FAKE_SHA, siblings: listRepo(dir).map((rfilename) => ({ rfilename })) }));
    }
    const file = (resolve?.[3] ?? cdn?.[2])!;
    let body: Buffer;
    try {
      body = readFileSync(join(dir, file));
    } catch {
      return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('{"error":"Entry not found"}');
    }
    if (resolve && file.endsWith('.onnx')) {
      // LFS: redirect to a "CDN" with the sha256 as X-Linked-Etag, like the real hub.
      return void res.writeHead(302, { location: `/cdn/${repo}/${file}`, 'x-linked-etag': `"${sha256(body)}"`, 'x-repo-commit': FAKE_SHA }).end();
    }
    if (req.method === 'HEAD') return void res.writeHead(200, { etag: `"${gitSha(body)}"`, 'content-length': body.length, 'x-repo-commit': FAKE_SHA }).end();
    sendBody(req.headers.range, body, res, file.endsWith('.onnx') ? options : undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    options,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

function sendBody(range: string | undefined, body: Buffer, res: import('node:http').ServerResponse, cut?: FakeHubOptions): void {
  const start = Number(range?.match(/^bytes=(\d+)-$/)?.[1] ?? 0);
  const part = body.subarray(start);
  res.writeHead(start ? 206 : 200, { 'content-length': part.length, ...(start ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
  if (cut?.cutAfterBytes !== undefined && (cut.cutTimes ?? 0) > 0) {
    cut.cutTimes = (cut.cutTimes ?? 0) - 1;
    // Headers and a first chunk go out, and only later the cut: a reset that arrives with the headers
    // would fail the request before any byte is read, which is not the interruption under test.
    const first = Math.min(1000, cut.cutAfterBytes);
    res.flushHeaders();
    res.write(part.subarray(0, first), () => setTimeout(() => res.write(part.subarray(first, cut.cutAfterBytes), () => res.destroy()), 50));
    return;
  }
  res.end(part);
}
