import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: the CLI runs from here, as a user's `npx rerankit` in a checkout would. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** Node arguments that run the CLI from source (no build needed) as `rerankit <args>`. */
export function cliArgv(args: string[]): string[] {
  const code = `import(${JSON.stringify(MAIN)}).then((m) => m.main(['node', 'rerankit', ...process.argv.slice(1)]))`;
  return ['--import', 'tsx', '-e', code, ...args];
}

/** The environment CLI tests run in: the hub offline, so nothing can reach the network. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, HF_HUB_OFFLINE: '1', ...extra };
}

/** Runs `rerankit <args>` from source in a child process and waits for it. */
export function runCli(args: string[], o: { input?: string; env?: Record<string, string> } = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, cliArgv(args), { cwd: ROOT, encoding: 'utf8', env: cliEnv(o.env), ...(o.input !== undefined ? { input: o.input } : {}) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
