/**
 * The server's public API. Loaded lazily, so `import 'rerankit'` does not pull in fastify and
 * prom-client for callers who never serve.
 */
import type { AppSettings, RerankServer } from './app.js';
import type { RunningServer } from './start.js';
import type { ServeSettings } from './settings.js';

export type { AppSettings, RerankServer, RunningServer, ServeSettings };
export type { ModelSpec, ServeLimits, BatchSettings } from './settings.js';

/** Builds the fastify app without listening (add models with `server.pool.add(name, kind, reranker)`). */
export async function buildServer(settings: AppSettings): Promise<RerankServer> {
  return (await import('./app.js')).buildServer(settings);
}

/** Listens, loads `settings.models`, and returns the URL and a graceful `close()`. */
export async function startServer(settings: ServeSettings, onListening?: (url: string) => void): Promise<RunningServer> {
  return (await import('./start.js')).startServer(settings, onListening);
}

/** Merges defaults, a YAML file, RERANKIT_* variables and flag-style overrides into settings. */
export async function resolveServeSettings(overrides: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env): Promise<ServeSettings> {
  return (await import('./config.js')).resolveSettings(overrides, env);
}
