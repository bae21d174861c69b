import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import { RerankError, type ErrorCode } from '../errors.js';
import { fsErrorText } from '../util/fs-errors.js';

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

/** An integer written in decimal digits (`0x2`, `1e3`, `2.0` and `` are refused, not read as numbers). */
export function intArg(name: string, min = 0): (v: string) => number {
  return (v) => {
    const n = /^\s*\+?\d+\s*$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

/** A decimal number (`0x2` and `` are refused); with a range, outside it is refused too. */
export function numArg(name: string, range?: { min: number; max: number; why?: string }): (v: string) => number {
  return (v) => {
    const n = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(v) ? Number(v) : Number.NaN;
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
    if (range && (n < range.min || n > range.max)) {
      throw new InvalidArgumentError(`${name} must be between ${range.min} and ${range.max}${range.why ? `, ${range.why}` : ''}`);
    }
    return n;
  };
}

export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** `cannot read docs.jsonl: no such file or folder`, as RERANK_FILE. */
export function fileError(what: string, path: string, e: unknown): CliError {
  return new CliError(`cannot ${what} ${path}: ${fsErrorText(e)}`, 'RERANK_FILE');
}

/** Reads a file, or standard input for '-', as bytes (callers decide how to decode). */
export async function readBytes(path: string, waitingFor = 'input'): Promise<Buffer> {
  if (path !== '-') {
    try {
      return await readFile(path);
    } catch (e) {
      throw fileError('read', path, e);
    }
  }
  if (process.stdin.isTTY) {
    // Nothing piped in: say what we wait for instead of hanging silently.
    process.stderr.write(`rerankit: reading ${waitingFor} from the terminal; end with Ctrl-D (or pipe a file: ... -d - < docs.jsonl)\n`);
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Reads a file, or standard input for '-', as UTF-8 text. */
export async function readInput(path: string, waitingFor?: string): Promise<string> {
  return (await readBytes(path, waitingFor)).toString('utf8');
}

/** One warning line on stderr: the input is valid but does not do what it seems to. */
export function warn(message: string): void {
  process.stderr.write(`rerankit: warning: ${message}\n`);
}

/** Loads a bi-encoder for the retrieval commands (`loadEmbedder` of buildRetriever/openIndex); onnxruntime loads only here. */
export async function loadBiEncoder(model: string) {
  const { BiEncoder } = await import('../backends/onnx/bi-encoder.js');
  return BiEncoder.load(model);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
