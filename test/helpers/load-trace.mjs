// `node --import ./load-trace.mjs`: prints "LOADED <url or path>" on stderr for every module the process
// loads: each ES module resolution (a resolve hook), and at exit every CommonJS module in require.cache
// (native addons' JS wrappers and most packages load through require, which the hook does not see).
import { createRequire, register } from 'node:module';

register('data:text/javascript,' + encodeURIComponent(`
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  process.stderr.write('LOADED ' + r.url + '\\n');
  return r;
}`));

const require = createRequire(import.meta.url);
process.on('exit', () => {
  for (const path of Object.keys(require.cache)) process.stderr.write(`LOADED ${path}\n`);
});
