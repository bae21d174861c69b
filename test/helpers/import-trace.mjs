// Registers a resolve hook that reports every module a process loads, so tests can check what the CLI imports lazily.
import { register } from 'node:module';

register('data:text/javascript,' + encodeURIComponent(`
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  process.stderr.write('IMPORT ' + r.url + '\\n');
  return r;
}`));
