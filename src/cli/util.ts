import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import { RerankError, type ErrorCode } from '../errors.js';

/**
 * A mistake in how the CLI was called: a RerankError like every other user mistake, so the CLI prints
 * `rerankit: error [CODE]: message` and exits 1. RERANK_USAGE unless a more precise code fits.
 */
export class CliError extends RerankError {
  constructor(message: string, code: ErrorCode = 'RERANK_USAGE') {
    super(code, message);
    this.name = 'CliError';
  }
}

export function intArg(name: string, min = 0): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

export function numArg(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
    return n;
  };
}

export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** Reads a file, or standard input for '-'. */
export async function readInput(path: string): Promise<string> {
  if (path !== '-') {
    try {
      return await readFile(path, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'RERANK_FILE');
    }
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Loads a bi-encoder for the retrieval commands (`loadEmbedder` of buildRetriever/openIndex); onnxruntime loads only here. */
export async function loadBiEncoder(model: string) {
  const { BiEncoder } = await import('../backends/onnx/bi-encoder.js');
  return BiEncoder.load(model);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
