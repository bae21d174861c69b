import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/**
 * The playground: static files from the package's assets/ui (plain ES modules, nothing bundled and
 * nothing from the internet), served at /ui. The page itself needs no key (it has no data and asks
 * for one when the API answers 401), so these routes are open; everything it calls is not.
 */
const DIR = fileURLToPath(new URL('../../assets/ui/', import.meta.url));

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'view.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/** Routes the key check leaves open. */
export const UI_ROUTES = ['/ui', '/ui/', '/ui/:file'];

export function registerUi(app: FastifyInstance): void {
  const send = async (file: string, reply: import('fastify').FastifyReply) => {
    const type = TYPES[file];
    if (!type) return reply.code(404).send({ message: `no file ${file} in the playground`, code: 'RERANK_NOT_FOUND' });
    reply.header('content-type', type).header('cache-control', 'no-cache');
    // No outside origin may be contacted, even by mistake.
    reply.header('content-security-policy', "default-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'");
    return reply.send(await readFile(DIR + file));
  };
  const hide = { schema: { hide: true } };
  app.get('/ui', hide, (_req, reply) => reply.redirect('/ui/'));
  app.get('/ui/', hide, (_req, reply) => send('index.html', reply));
  app.get<{ Params: { file: string } }>('/ui/:file', hide, (req, reply) => send(req.params.file, reply));
}
