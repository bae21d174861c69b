// A real PostgreSQL server for tests: Debian's binaries, a temporary data folder, trust auth, TCP on
// 127.0.0.1 and a free port, its unix socket in the same folder. initdb refuses to run as root, so as
// root the server runs as the `postgres` user (runuser); as anyone else, as that user.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis.js';

export interface PostgresProcess { url: string; port: number; stop(): Promise<void> }

/** The newest /usr/lib/postgresql/<version>/bin. */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) throw new Error('PostgreSQL is not installed (.ci/run installs Debian\'s postgresql)');
  return join(root, versions[0]!, 'bin');
}

export async function startPostgres(): Promise<PostgresProcess> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'rerankit-pg-'));
  const root = process.getuid?.() === 0;
  if (root) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })));
  const run = (tool: string, args: string[]) => (root
    ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { stdio: 'pipe' })
    : execFileSync(join(bin, tool), args, { stdio: 'pipe' }));
  const data = join(dir, 'data');
  const port = await freePort();
  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '30', '-o', `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`, 'start']);
  } catch (e) {
    const err = e as { stderr?: Buffer };
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`postgres did not start: ${err.stderr?.toString() ?? e}`);
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`, port,
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
