import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ERRORS, RerankError, type ErrorCode } from '../../errors.js';
import type { FeedBuffers, SessionInfo, SessionOptions, SessionSource, TensorBuffers } from './session-types.js';

type Reply =
  | { type: 'ready'; info: SessionInfo }
  | { type: 'failed'; code: string; message: string }
  | { type: 'result'; id: number; outputs?: Record<string, TensorBuffers>; error?: string };

interface Pending { resolve(t: Record<string, TensorBuffers>): void; reject(e: unknown): void }

/** The worker's entry: session-thread.ts beside this file (.ts under tsx, .js once built). */
const ENTRY = join(dirname(fileURLToPath(import.meta.url)), `session-thread${extname(fileURLToPath(import.meta.url))}`);

/**
 * Starts the worker. Run from TypeScript sources (tests, `node --import tsx`), a worker does not
 * inherit tsx's loader hooks, so it registers them itself before loading its entry.
 */
function spawnWorker(workerData: unknown, transferList: ArrayBuffer[]): Worker {
  // The parent's flags, less --input-type (a parent started with `node --input-type=module -e` would pass it on, and a file worker refuses it).
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
  if (!ENTRY.endsWith('.ts')) return new Worker(ENTRY, { workerData, transferList, execArgv });
  const code = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(pathToFileURL(ENTRY).href)}); })`;
  return new Worker(code, { eval: true, workerData, transferList, execArgv });
}

const codeOf = (c: string): ErrorCode => (c in ERRORS ? (c as ErrorCode) : 'RERANK_ONNX_INVALID');

/**
 * The main thread's side of a session worker. The worker keeps the process alive only while a call
 * is in flight (a CLI exits when its work is done, without closing models first).
 */
export class SessionWorker {
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private exited?: Error;

  private constructor(private readonly worker: Worker, readonly info: SessionInfo) {
    worker.on('message', (m: Reply) => this.settle(m));
    worker.on('error', (e) => this.failAll(new RerankError('RERANK_INTERNAL', `ONNX worker failed: ${e.message}`)));
    worker.on('exit', () => this.failAll(new RerankError('RERANK_CLOSED')));
  }

  /** Loads a session in a new worker. Model bytes are handed over: transferred where they fill a buffer of their own, else copied first. */
  static async start(source: SessionSource, options: SessionOptions): Promise<SessionWorker> {
    const { path } = source;
    const own = (b: Uint8Array) => b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer;
    const bytes = source.bytes && (own(source.bytes) ? source.bytes : source.bytes.slice());
    const worker = spawnWorker({ source: { ...source, bytes }, options }, bytes ? [bytes.buffer as ArrayBuffer] : []);
    const info = await new Promise<SessionInfo>((resolve, reject) => {
      worker.once('message', (m: Reply) => (m.type === 'ready' ? resolve(m.info) : reject(new RerankError(codeOf((m as { code: string }).code), (m as { message: string }).message))));
      worker.once('error', (e) => reject(new RerankError('RERANK_ONNX_INVALID', `cannot load ${path}: ${e.message}`)));
    }).catch(async (e) => {
      await worker.terminate();
      throw e;
    });
    worker.unref();
    return new SessionWorker(worker, info);
  }

  /** Runs the session on these feeds (their buffers are handed over) and returns the named outputs, in buffers of their own. */
  run(feeds: FeedBuffers, outputs: string[]): Promise<Record<string, TensorBuffers>> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.next++;
    const buffers = [...new Set(Object.values(feeds).map((f) => f.data.buffer))].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    return new Promise<Record<string, TensorBuffers>>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ type: 'run', id, feeds, outputs }, buffers);
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exit = new Promise<void>((r) => this.worker.once('exit', () => r()));
    this.worker.ref();
    this.worker.postMessage({ type: 'close' });
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await exit;
    clearTimeout(timer);
  }

  private settle(m: Reply): void {
    if (m.type !== 'result') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.error !== undefined) p.reject(new RerankError('RERANK_INTERNAL', `ONNX Runtime failed: ${m.error}`));
    else p.resolve(m.outputs!);
  }

  private failAll(e: Error): void {
    this.exited ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
