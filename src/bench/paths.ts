import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Inputs that ship with the package ("files" in package.json): the presets' tokenizers and the workloads' word list. */
export const ASSETS = fileURLToPath(new URL('../../assets/bench/', import.meta.url));

/**
 * Where the bench writes what it generates (preset models, the peak probe): $RERANKIT_BENCH_DIR, else
 * $XDG_CACHE_HOME/rerankit/bench, else ~/.cache/rerankit/bench. Never inside the package: an installed
 * package may be read-only and is replaced on every upgrade.
 */
export function benchDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RERANKIT_BENCH_DIR) return resolve(env.RERANKIT_BENCH_DIR);
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rerankit', 'bench');
}

/** Generated models: one folder per preset, plus the peak probe's matmul-<n>.onnx. */
export function benchModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(benchDir(env), 'models');
}

/**
 * Writes a file or folder under a temporary name, then renames it into place: an interrupted run leaves
 * no half-written model that the next run would take as complete, and of two runs generating the same
 * preset at once, the second to finish just drops its copy.
 */
export async function writeAtomically(path: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(dirname(path), { recursive: true });
  try {
    await write(tmp);
    await rename(tmp, path).catch(async (e: NodeJS.ErrnoException) => {
      if (!(await stat(path).then(() => true, () => false))) throw e;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
