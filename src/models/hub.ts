import { join } from 'node:path';
import { RerankError, messageOf } from '../errors.js';
import { cachedCommit, fileExists, isCommit, linkSnapshot, repoCacheDir, snapshotDir, writeRef, blobPath } from './hf-cache.js';
import { fetchToFile } from './download.js';
import { OPTIONAL_FILES, REQUIRED_FILES, type ResolveOptions } from './files.js';
import { pickOnnx } from './variants.js';

interface HubEnv {
  endpoint: string;
  token?: string;
  offline: boolean;
}

function hubEnv(env = process.env): HubEnv {
  const offline = ['1', 'true', 'yes', 'on'].includes(String(env.HF_HUB_OFFLINE ?? '').toLowerCase());
  return { endpoint: (env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, ''), token: env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN, offline };
}

/** Fetches the files a reranker needs into the HF cache and returns the snapshot folder. */
export async function downloadModel(repoId: string, opts: ResolveOptions): Promise<string> {
  const env = hubEnv();
  const revision = opts.revision ?? 'main';
  const repoDir = repoCacheDir(repoId);
  if (env.offline) return fromCache(repoId, revision, repoDir, 'HF_HUB_OFFLINE is set');
  let info: { sha: string; files: string[] };
  try {
    info = await repoInfo(env, repoId, revision);
  } catch (e) {
    // Like huggingface_hub: an unreachable hub falls back to what the cache holds.
    if (e instanceof RerankError && e.code !== 'RERANK_HUB_ERROR') throw e;
    return fromCache(repoId, revision, repoDir, messageOf(e));
  }
  await writeRef(repoDir, revision, info.sha);
  for (const file of wantedFiles(info.files, opts, repoId)) {
    await fetchFile(env, repoId, repoDir, info.sha, file, opts.progress ?? Boolean(process.stderr.isTTY));
  }
  return snapshotDir(repoDir, info.sha);
}

function wantedFiles(files: string[], opts: ResolveOptions, repoId: string): string[] {
  for (const f of REQUIRED_FILES) {
    if (!files.includes(f)) throw new RerankError('RERANK_MODEL_INVALID', `${repoId} has no ${f}; is it a transformers model repo?`);
  }
  const onnx = pickOnnx(opts.dtype ?? 'fp32', files, repoId);
  // External data: one file, or numbered shards for models over 2 GB (Transformers.js exports: model.onnx_data_1, ...).
  const shards = files.filter((f) => f.startsWith(`${onnx}_data_`));
  const extras = [...OPTIONAL_FILES, `${onnx}_data`, `${onnx}.data`, ...shards, ...(opts.extraFiles ?? [])];
  return [...REQUIRED_FILES, ...extras.filter((f) => files.includes(f)), onnx];
}

async function fromCache(repoId: string, revision: string, repoDir: string, why: string): Promise<string> {
  const commit = await cachedCommit(repoDir, revision);
  if (commit && (await fileExists(snapshotDir(repoDir, commit)))) return snapshotDir(repoDir, commit);
  throw new RerankError('RERANK_OFFLINE', `${repoId}@${revision} is not in the Hugging Face cache (${repoDir}) and cannot be downloaded: ${why}`);
}

function headers(env: HubEnv, extra: Record<string, string> = {}): Record<string, string> {
  return { 'user-agent': 'rerankit', ...(env.token ? { authorization: `Bearer ${env.token}` } : {}), ...extra };
}

async function hubFetch(env: HubEnv, url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, headers: headers(env, init.headers as Record<string, string>) });
  } catch (e) {
    throw new RerankError('RERANK_HUB_ERROR', `cannot reach ${env.endpoint}: ${messageOf((e as Error).cause ?? e)} (set HF_HUB_OFFLINE=1 to use the cache only)`);
  }
}

function statusError(res: Response, what: string): RerankError {
  if (res.status === 401 || res.status === 403) return new RerankError('RERANK_HUB_AUTH', `${what}: HTTP ${res.status}; the repo may be gated or private (set HF_TOKEN)`);
  if (res.status === 404) return new RerankError('RERANK_HUB_NOT_FOUND', `${what}: not found on ${new URL(res.url || 'http://x').host || 'the hub'} (HTTP 404)`);
  return new RerankError('RERANK_HUB_ERROR', `${what}: HTTP ${res.status}`);
}

async function repoInfo(env: HubEnv, repoId: string, revision: string): Promise<{ sha: string; files: string[] }> {
  const url = `${env.endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}`;
  const res = await hubFetch(env, url);
  if (!res.ok) throw statusError(res, `model ${repoId}@${revision}`);
  const body = (await res.json().catch(() => null)) as { sha?: string; siblings?: { rfilename: string }[] } | null;
  if (!body?.siblings) throw new RerankError('RERANK_HUB_ERROR', `unexpected answer from ${url}`);
  const sha = body.sha && isCommit(body.sha) ? body.sha : revision;
  return { sha, files: body.siblings.map((s) => s.rfilename) };
}

async function fetchFile(env: HubEnv, repoId: string, repoDir: string, commit: string, file: string, progress: boolean): Promise<void> {
  if (await fileExists(join(snapshotDir(repoDir, commit), file))) return; // cache hit
  const url = `${env.endpoint}/${repoId}/resolve/${commit}/${file}`;
  const head = await hubFetch(env, url, { method: 'HEAD', redirect: 'manual' });
  if (head.status >= 400) throw statusError(head, `${repoId}/${file}`);
  // LFS files answer a redirect whose X-Linked-Etag is the sha256; small files carry their git sha as ETag.
  const etag = (head.headers.get('x-linked-etag') ?? head.headers.get('etag') ?? '').replace(/^W\//, '').replace(/"/g, '');
  if (!etag) throw new RerankError('RERANK_HUB_ERROR', `${url} sent no ETag`);
  const blob = blobPath(repoDir, etag);
  if (!(await fileExists(blob))) {
    await fetchToFile(url, blob, { headers: headers(env), label: file, progress });
  }
  await linkSnapshot(repoDir, commit, file, etag);
}
