import type { Command } from 'commander';
import { printJson } from '../util.js';

export function register(program: Command): void {
  program
    .command('pull')
    .description('download a model from the Hugging Face hub into the HF cache (honours HF_HOME, HF_HUB_CACHE, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE)')
    .argument('<id>', 'model id, e.g. cross-encoder/ms-marco-MiniLM-L-6-v2')
    .option('--revision <rev>', 'branch, tag or commit', 'main')
    .option('--dtype <dtype>', 'ONNX variant to fetch', 'fp32')
    .addHelpText('after', `
Examples:
  rerankit pull cross-encoder/ms-marco-MiniLM-L-6-v2
  rerankit pull BAAI/bge-reranker-base --dtype int8
  HF_ENDPOINT=https://hf-mirror.com rerankit pull jinaai/jina-reranker-v2-base-multilingual --revision main`)
    .action(async (id: string, flags: { revision: string; dtype: string }) => {
      const { resolveModel } = await import('../../models/resolve.js');
      const files = await resolveModel(id, { revision: flags.revision, dtype: flags.dtype });
      printJson({ model: id, dir: files.dir, onnx: files.onnxPath });
    });
}
