/**
 * File-system (and socket) failures in words: `cannot read docs.jsonl: no such file` instead of
 * `ENOENT`. Every message a user sees about a path goes through `fsErrorText`, so the same errno reads
 * the same everywhere. Knows nothing of models or documents.
 */

const WORDS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'the folder is not empty',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EBUSY: 'the file is busy',
  EXDEV: 'cannot move across file systems',
  EIO: 'input/output error',
  EINVAL: 'invalid argument',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (no network?)',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this machine',
};

/** True for Node's system errors (`code` like ENOENT, with a `syscall`). */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  const x = e as NodeJS.ErrnoException | undefined;
  return typeof x?.code === 'string' && /^E[A-Z0-9_]+$/.test(x.code) && typeof x.syscall === 'string';
}

/**
 * The reason of a failed file or socket call, in words (`no such file or folder`); unknown codes keep
 * the system's own text without the `ENOENT:`-style prefix and the repeated path.
 */
export function fsErrorText(e: unknown): string {
  const x = e as NodeJS.ErrnoException | undefined;
  const code = typeof x?.code === 'string' ? x.code : undefined;
  if (code && WORDS[code]) return WORDS[code];
  const message = x instanceof Error ? x.message : String(e);
  // "EFOO: something happened, open '/x'" → "something happened"
  return message.replace(/^E[A-Z0-9_]+:\s*/, '').replace(/,\s*\w+ '[^']*'( -> '[^']*')?$/, '') || (code ?? 'unknown error');
}

/** One line for an unexpected system error: `cannot open /x: permission denied`. */
export function describeSystemError(e: NodeJS.ErrnoException & { dest?: string }): string {
  const verb = VERBS[e.syscall ?? ''] ?? (e.syscall ? `${e.syscall}` : 'use');
  const where = e.path ? ` ${e.path}${e.dest ? ` → ${e.dest}` : ''}` : '';
  return `cannot ${verb}${where}: ${fsErrorText(e)}`;
}

const VERBS: Record<string, string> = {
  open: 'open', read: 'read', write: 'write', mkdir: 'create the folder', rmdir: 'remove the folder', unlink: 'remove',
  rename: 'rename', scandir: 'list the folder', stat: 'read', lstat: 'read', fsync: 'write', access: 'access',
  copyfile: 'copy', symlink: 'link', link: 'link', listen: 'listen on', connect: 'connect to', getaddrinfo: 'look up',
};
