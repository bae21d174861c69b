/**
 * What a model folder holds and how one is resolved: shared by resolve.ts (local folders) and hub.ts
 * (downloads), which must not import each other both ways.
 */

export interface ResolveOptions {
  /** Which ONNX variant: fp32 (default), fp16, int8, ... or an .onnx file name. */
  dtype?: string;
  /** Hub branch, tag or commit. */
  revision?: string;
  /** Show a download progress bar (default: when stderr is a TTY). */
  progress?: boolean;
  /** More repo files to fetch when present (e.g. 1_Pooling/config.json); missing ones are skipped. */
  extraFiles?: string[];
}

export const REQUIRED_FILES = ['config.json', 'tokenizer.json'];
export const OPTIONAL_FILES = ['tokenizer_config.json', 'special_tokens_map.json'];
