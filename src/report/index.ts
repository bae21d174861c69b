import { writeFile } from 'node:fs/promises';
import { RerankError } from '../errors.js';
import { fsErrorText } from '../util/fs-errors.js';
import type { ReportModel } from './model.js';

export { compareReport, evalReport, type ReportModel } from './model.js';

/** The report's kind from the file's extension: .html/.htm or .md; anything else is refused. */
export function reportFormat(path: string): 'html' | 'md' {
  if (/\.html?$/i.test(path)) return 'html';
  if (/\.(md|markdown)$/i.test(path)) return 'md';
  throw new RerankError('RERANK_USAGE', `--report ${path}: the file must end in .html (a page with charts) or .md (Markdown tables)`);
}

export async function writeReport(path: string, model: ReportModel): Promise<void> {
  const text = reportFormat(path) === 'md'
    ? (await import('./markdown.js')).markdownReport(model)
    : await (await import('./html.js')).htmlReport(model);
  await writeFile(path, text).catch((e: unknown) => {
    throw new RerankError('RERANK_FILE', `--report ${path}: cannot write it: ${fsErrorText(e)}`);
  });
}
