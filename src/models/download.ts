import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RerankError, messageOf } from '../errors.js';
import { progressBar } from '../util/progress.js';

interface FetchOptions {
  headers: Record<string, string>;
  label: string;
  progress: boolean;
}

/**
 * Streams a URL into `dest` through `dest.incomplete`, renamed only when complete, so an interrupted
 * download never leaves a truncated file in the cache; the next run resumes with a Range request.
 */
export async function fetchToFile(url: string, dest: string, opts: FetchOptions): Promise<void> {
  const part = `${dest}.incomplete`;
  await mkdir(dirname(dest), { recursive: true });
  const have = await sizeOf(part);
  const res = await get(url, have ? { ...opts.headers, range: `bytes=${have}-` } : opts.headers);
  const resumed = res.status === 206;
  const total = resumed ? have + Number(res.headers.get('content-length') ?? NaN) : Number(res.headers.get('content-length') ?? NaN);
  const bar = opts.progress && total > 1e6 ? await progressBar(opts.label, { show: true, unit: 'bytes' }) : undefined;
  try {
    const body = Readable.fromWeb(res.body as never);
    let done = resumed ? have : 0;
    bar?.update(done, total);
    if (bar) body.on('data', (c: Buffer) => bar.update((done += c.length), total));
    await pipeline(body, createWriteStream(part, { flags: resumed ? 'a' : 'w' }));
  } catch (e) {
    throw new RerankError('RERANK_HUB_ERROR', `download of ${opts.label} was interrupted (${messageOf(e)}); run again to resume`);
  } finally {
    bar?.stop();
  }
  const got = await sizeOf(part);
  if (Number.isFinite(total) && got !== total) {
    throw new RerankError('RERANK_HUB_ERROR', `download of ${opts.label} was interrupted after ${got} of ${total} bytes; run again to resume`);
  }
  await rename(part, dest);
}

async function get(url: string, headers: Record<string, string>): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { headers });
  } catch (e) {
    throw new RerankError('RERANK_HUB_ERROR', `cannot download ${url}: ${messageOf((e as Error).cause ?? e)}`);
  }
  if (!res.ok || !res.body) throw new RerankError(res.status === 404 ? 'RERANK_HUB_NOT_FOUND' : 'RERANK_HUB_ERROR', `cannot download ${url}: HTTP ${res.status}`);
  return res;
}

async function sizeOf(p: string): Promise<number> {
  try {
    return (await stat(p)).size;
  } catch {
    return 0;
  }
}
