import { RerankError } from '../errors.js';
import { buildServer, type RerankServer } from './app.js';
import { checkModels } from './config.js';
import type { ServeSettings } from './settings.js';

export interface RunningServer extends RerankServer {
  /** e.g. http://127.0.0.1:8080 (the real port when 0 was asked for). */
  url: string;
  /** Stops accepting, finishes in-flight requests, then frees the models. */
  close(): Promise<void>;
  /**
   * Before close() on SIGTERM: /ready answers 503 at once while requests are still served for
   * `drainMs`, so a load balancer polling /ready (or Kubernetes removing the endpoint) stops sending
   * before the port closes.
   */
  drain(): Promise<void>;
}

/**
 * Checks the models (options, local folders; no loading, no network), then listens, then loads them,
 * so /health answers and /ready says "loading" during a slow download. `onListening` lets the CLI
 * print the bound address before loading starts.
 */
export async function startServer(settings: ServeSettings, onListening: (url: string) => void = () => {}): Promise<RunningServer> {
  await checkModels(settings.models); // a mistyped folder or option fails here, before "listening"
  const server = await buildServer(settings);
  const { app, pool } = server;
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= app.close());
  const address = await app.listen({ host: settings.host, port: settings.port }).catch(async (e: NodeJS.ErrnoException) => {
    await app.close();
    throw new RerankError('RERANK_BAD_OPTION', `cannot listen on ${settings.host}:${settings.port}: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.message}`);
  });
  const url = address.replace('[::1]', 'localhost');
  onListening(url);
  try {
    await pool.load(settings.models);
  } catch (e) {
    await close();
    throw e;
  }
  const drain = async () => {
    pool.draining = true;
    if (settings.drainMs > 0) await new Promise((r) => setTimeout(r, settings.drainMs));
  };
  return { ...server, url, close, drain };
}
