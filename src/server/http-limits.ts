import { createServer, type Server } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RerankError } from '../errors.js';

/**
 * What a slow, hostile or plentiful client can hold of the server, bounded: connections, time to send
 * a request, bytes of request bodies held at once, and the nesting depth of JSON.
 */
export interface HttpLimits {
  /** Open connections; more are refused at accept time. */
  maxConnections: number;
  /** Milliseconds a client has to send its whole request, headers and body (slow uploads get 408). */
  requestTimeoutMs: number;
  /** Milliseconds a client has to send its headers. */
  headersTimeoutMs: number;
  /** Milliseconds an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** Request-body bytes held across all connections at once; past it new bodies get 503 + Retry-After. */
  maxBufferedBytes: number;
}

/** Deepest JSON nesting a request may have (documents are text with a few fields, not trees). */
export const MAX_JSON_DEPTH = 32;

/**
 * The HTTP server fastify runs on, with Node's own request and header timeouts checked every second
 * (Node checks every 30 s by default, which lets a stalled upload live 30 s past its timeout).
 */
export function serverFactory(limits: HttpLimits) {
  return (handler: (req: any, res: any) => void): Server => {
    const server = createServer({
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: 1000,
    }, handler);
    server.maxConnections = limits.maxConnections;
    return server;
  };
}

const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress,
};

/** A preParsing hook: decodes gzip/deflate/br bodies (fastify's bodyLimit then bounds the decoded size); other encodings are 415. */
export async function decodeBody(req: FastifyRequest, _reply: FastifyReply, payload: Readable): Promise<Readable> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return payload;
  const decoder = DECODERS[encoding];
  if (!decoder) throw new RerankError('RERANK_MEDIA_TYPE', `Content-Encoding "${encoding}" is not supported (send identity, gzip, deflate or br)`);
  // fastify compares Content-Length with `receivedEncodedLength`: the bytes that came off the wire.
  const out = Object.assign(decoder(), { receivedEncodedLength: 0 });
  payload.on('data', (chunk: Buffer) => (out.receivedEncodedLength += chunk.length));
  payload.on('error', (e) => out.destroy(e));
  return payload.pipe(out);
}

/**
 * Counts request-body bytes held across all connections. Each request's bytes are returned when its
 * answer is sent or its connection closes, whichever comes first.
 */
export class BodyBudget {
  private held = 0;

  constructor(private readonly max: number) {}

  get bytes(): number {
    return this.held;
  }

  /** A preParsing hook that meters the (decoded) body and refuses it once the budget is spent. */
  readonly hook = async (req: FastifyRequest, reply: FastifyReply, payload: Readable): Promise<Readable> => {
    let mine = 0;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.held -= mine;
    };
    reply.raw.once('close', release);
    reply.raw.once('finish', release);
    const meter = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        if (released) return done(null, chunk);
        mine += chunk.length;
        this.held += chunk.length;
        if (this.held > this.max) {
          const e = new RerankError('RERANK_OVERLOADED', `the server holds its maximum of request bytes in flight (maxBufferedBytes ${this.max}); retry later`);
          return done(e);
        }
        done(null, chunk);
      },
    });
    payload.on('error', (e) => meter.destroy(e));
    // A decoded body's wire length is what fastify checks against Content-Length: pass it through.
    if ('receivedEncodedLength' in payload) {
      Object.defineProperty(meter, 'receivedEncodedLength', { get: () => (payload as { receivedEncodedLength: number }).receivedEncodedLength });
    }
    return payload.pipe(meter);
  };
}

/** Rejects JSON nested deeper than MAX_JSON_DEPTH, walking iteratively (user JSON never drives our stack). */
export function checkDepth(value: unknown): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) throw new RerankError('RERANK_BAD_INPUT', `request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
}
