import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { RerankError } from '../errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * An onRequest hook requiring `Authorization: Bearer <key>` when keys are configured. Keys are compared
 * as SHA-256 digests with timingSafeEqual (equal lengths, constant time), and every key is checked, so
 * neither the key's length nor which key matched shows in the timing.
 */
export function bearerAuth(keys: string[], open: string[]): (req: FastifyRequest) => Promise<void> {
  const digests = keys.map(digest);
  const openRoutes = new Set(open);
  return async (req) => {
    if (digests.length === 0 || openRoutes.has(req.routeOptions.url ?? '')) return;
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!m) throw new RerankError('RERANK_UNAUTHORIZED', 'missing API key: send "Authorization: Bearer <key>"');
    const given = digest(m[1]!.trim());
    let ok = false;
    for (const d of digests) ok = timingSafeEqual(given, d) || ok;
    if (!ok) throw new RerankError('RERANK_UNAUTHORIZED', 'invalid API key');
  };
}
