import { isDocInput } from '../rerank-input.js';
import type { DocInput } from '../types.js';
import { CliError } from './util.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * One document per line: a JSON string or a JSON object with a string "text" field. A UTF-8 byte order
 * mark and blank lines are skipped; bytes that are not UTF-8 are refused with their line number (the
 * server refuses the same bytes), never scored as replacement characters. Lines keep their numbers in
 * messages; `index` in the results counts documents, blank lines left out.
 */
export function parseDocuments(content: Buffer | string, source: string): DocInput[] {
  const text = typeof content === 'string' ? content : decode(content, source);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const docs: DocInput[] = [];
  lines.forEach((line, i) => {
    if (line.trim() !== '') docs.push(parseLine(line, i + 1, source));
  });
  if (docs.length === 0) throw new CliError(`${source} holds no documents`, 'RERANK_NO_DOCUMENTS');
  return docs;
}

/** UTF-8 text, or the number of the first line that is not UTF-8. */
function decode(bytes: Buffer, source: string): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i < bytes.length && bytes[i] !== 0x0a) continue;
      try {
        UTF8.decode(bytes.subarray(start, i));
      } catch {
        throw new CliError(`${source} line ${line}: not UTF-8 text (re-encode the file as UTF-8, e.g. iconv -f latin1 -t utf-8)`, 'RERANK_BAD_DOCUMENT');
      }
      line++;
      start = i + 1;
    }
    throw new CliError(`${source}: not UTF-8 text`, 'RERANK_BAD_DOCUMENT');
  }
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
