import { mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';

/** The Hugging Face hub cache layout, shared with huggingface_hub so Python downloads are reused. */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HUGGINGFACE_HUB_CACHE) return env.HUGGINGFACE_HUB_CACHE;
  const home = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  return join(home, 'hub');
}

export function repoCacheDir(repoId: string, env?: NodeJS.ProcessEnv): string {
  return join(hubCacheDir(env), `models--${repoId.replace(/\//g, '--')}`);
}

export const isCommit = (rev: string): boolean => /^[0-9a-f]{40}$/.test(rev);

/** The commit a revision points to in the cache (refs/<rev>), or the revision itself when it is a commit. */
export async function cachedCommit(repoDir: string, revision: string): Promise<string | undefined> {
  if (isCommit(revision)) return revision;
  try {
    return (await readFile(join(repoDir, 'refs', revision), 'utf8')).trim();
  } catch {
    return undefined;
  }
}

export async function writeRef(repoDir: string, revision: string, commit: string): Promise<void> {
  if (revision === commit) return;
  const ref = join(repoDir, 'refs', revision);
  await mkdir(dirname(ref), { recursive: true });
  await writeFile(ref, commit);
}

export function snapshotDir(repoDir: string, commit: string): string {
  return join(repoDir, 'snapshots', commit);
}

export function blobPath(repoDir: string, etag: string): string {
  return join(repoDir, 'blobs', etag);
}

export async function fileExists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Points snapshots/<commit>/<file> at blobs/<etag> with a relative link, as huggingface_hub does. */
export async function linkSnapshot(repoDir: string, commit: string, file: string, etag: string): Promise<void> {
  const target = join(snapshotDir(repoDir, commit), file);
  await mkdir(dirname(target), { recursive: true });
  await rm(target, { force: true });
  await symlink(relative(dirname(target), blobPath(repoDir, etag)), target);
}
