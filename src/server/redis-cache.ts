import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { describeFolder } from '../models/resolve.js';
import { cachedCommit, repoCacheDir, snapshotDir } from '../models/hf-cache.js';
import { ScoreCache } from '../util/score-cache.js';
import type { ScoredPair } from '../types.js';
import type { RedisLink } from './redis-link.js';
import type { ModelSpec } from './settings.js';

/** What the shared cache keeps per pair: the score and its token count (as the local cache does). */
export type SharedEntry = ScoredPair & { tokens: number };

/** Digest of a file's bytes, streamed (an ONNX file may be gigabytes). */
function hashFile(path: string, into: ReturnType<typeof createHash>): Promise<void> {
  return new Promise((resolve, reject) => {
    createReadStream(path).on('data', (b) => into.update(b)).on('end', () => resolve()).on('error', reject);
  });
}

const exists = (p: string) => stat(p).then((s) => s.isFile(), () => false);

/**
 * A fingerprint of the files a loaded ONNX model's scores come from: SHA-256 over the content of the
 * chosen ONNX file (and its external data), tokenizer.json, config.json and tokenizer_config.json. The
 * content, not size + mtime: replicas on different machines get their copies at different times (an
 * image layer, an rsync, a hub download), so mtimes never agree and such a key would never be shared,
 * while an edited tokenizer of the same size would be missed. The cost is one read of the model at
 * load (about a second per GB), once per process. `undefined` for models that are not ONNX folders or
 * hub ids in the local cache (LLM and remote kinds): their identity is used as it is.
 */
export async function modelFingerprint(spec: ModelSpec): Promise<string | undefined> {
  if (typeof spec.model !== 'string') return undefined;
  const dtype = String(spec.dtype ?? spec.defaults?.dtype ?? 'fp32');
  let dir = spec.model;
  if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) {
    const repo = repoCacheDir(spec.model);
    const commit = await cachedCommit(repo, String(spec.revision ?? spec.defaults?.revision ?? 'main'));
    if (!commit) return undefined;
    dir = snapshotDir(repo, commit);
  }
  const files = await describeFolder(dir, dtype).catch(() => undefined);
  if (!files) return undefined;
  const paths = [files.onnxPath, `${files.onnxPath}_data`, `${files.onnxPath}.data`, files.tokenizerPath, `${files.dir}/config.json`, `${files.dir}/tokenizer_config.json`];
  const h = createHash('sha256');
  for (const p of paths) {
    if (!(await exists(p))) continue;
    h.update(`${basename(p)}\0`);
    await hashFile(p, h);
    h.update('\0');
  }
  return h.digest('hex');
}

/**
 * The part of a scorer's identity that is the same on every replica: a CrossEncoder's identity starts
 * with its name — the folder path or hub id it was loaded from, which differs between machines — so
 * the name is replaced by the files' fingerprint; the rest (max length, dtype, long-document policy,
 * decoder recipe) stays.
 */
export function sharedIdentity(name: string, identity: string, fingerprint: string | undefined): string {
  if (fingerprint === undefined) return identity;
  return identity.startsWith(`${name}|`) ? `${fingerprint}${identity.slice(name.length)}` : `${fingerprint}|${identity}`;
}

export interface SharedCacheOptions {
  /** Seconds an entry lives in Redis. */
  ttlSeconds: number;
}

/**
 * The second tier of a model's score cache, in Redis and shared by every replica. Keys are
 * `rerankit:score:<first 16 hex of the identity digest>:<pair digest>`: the pair digest covers the
 * shared identity (files, max length, dtype...), the truncation options, the query and the document,
 * as the local cache's key does; the prefix lets an operator drop one model's entries with SCAN.
 * Every entry has a TTL; the size bound is Redis's own (maxmemory with an LRU policy, see
 * docs/deploy.md): entries are ~100 bytes, so 1 GB holds about ten million scores.
 */
export class SharedScoreCache {
  private readonly prefix: string;

  constructor(private readonly link: RedisLink, readonly identity: string, private readonly o: SharedCacheOptions) {
    this.prefix = `rerankit:score:${createHash('sha256').update(identity).digest('hex').slice(0, 16)}:`;
  }

  key(options: string, query: string, document: string): string {
    return this.prefix + ScoreCache.key(`${this.identity}|${options}`, query, document);
  }

  /** One MGET for all keys; `undefined` (go on without) when Redis is down or slow. */
  async getMany(keys: string[]): Promise<(SharedEntry | undefined)[] | undefined> {
    if (keys.length === 0) return [];
    const raw = await this.link.run('cache_get', (c) => c.mget(keys));
    return raw?.map((v) => (v === null ? undefined : decode(v)));
  }

  /** Queues the writes in one pipeline and returns at once: no request waits for them. */
  setMany(entries: [string, SharedEntry][]): void {
    if (entries.length === 0) return;
    this.link.send('cache_set', (c) => {
      const p = c.pipeline();
      for (const [k, v] of entries) p.set(k, JSON.stringify(v), 'EX', this.o.ttlSeconds);
      return p.exec();
    });
  }
}

/** A stored entry, or undefined when it is not one (another program's value under our prefix). */
function decode(v: string): SharedEntry | undefined {
  try {
    const e = JSON.parse(v) as SharedEntry;
    return typeof e?.score === 'number' && typeof e.tokens === 'number' ? e : undefined;
  } catch {
    return undefined;
  }
}
