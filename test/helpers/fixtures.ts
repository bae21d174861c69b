import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MODELS = fileURLToPath(new URL('../fixtures/models/', import.meta.url));
export const modelDir = (name: string): string => `${MODELS}${name}`;

export interface ReferenceCase {
  input: [string, string];
  input_ids: number[];
  logits: number[];
}

export function reference(name: string): { labels: number; cases: ReferenceCase[] } {
  return JSON.parse(readFileSync(`${MODELS}${name}/reference.json`, 'utf8'));
}

export const CROSS_ENCODERS = ['bert-ce-tiny', 'bert-ce-tiny-2label', 'bert-zh-ce-tiny', 'xlmr-ce-tiny'];

/** A seeded generator, so property tests are repeatable. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function shuffled<T>(xs: T[], rand: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
