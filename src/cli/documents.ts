import { isDocInput } from '../rerank-input.js';
import type { DocInput } from '../types.js';
import { CliError } from './util.js';

/** One document per line: a JSON string or a JSON object with a string "text" field. */
export function parseDocuments(content: string, source: string): DocInput[] {
  const lines = content.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop(); // the file's final newline
  const docs = lines.map((line, i) => parseLine(line, i + 1, source));
  if (docs.length === 0) throw new CliError(`${source} holds no documents`, 'RERANK_NO_DOCUMENTS');
  return docs;
}

function parseLine(line: string, n: number, source: string): DocInput {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new CliError(`${source} line ${n}: not JSON (each line must be a JSON string or an object with a "text" field)`, 'RERANK_BAD_DOCUMENT');
  }
  if (isDocInput(v)) return v;
  throw new CliError(`${source} line ${n}: expected a JSON string or an object with a string "text" field`, 'RERANK_BAD_DOCUMENT');
}
