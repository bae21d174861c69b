import { modelMaxLength } from '../backends/onnx/max-length.js';
import type { ModelFiles } from '../models/resolve.js';
import { PairTokenizer } from '../models/tokenizer.js';
import type { Contender, EngineOptions } from './contenders.js';

/**
 * The floor a wrapper can be compared with: what a user writes with onnxruntime-node and the HF
 * `tokenizers` binding directly — encode every pair with longest_first truncation, pad to the longest
 * pair, copy ids into int64 tensors, one session.run.
 */
export async function rawOrtContender(files: ModelFiles, o: EngineOptions): Promise<Contender> {
  const ort = await import('onnxruntime-node');
  const { Tokenizer } = await import('tokenizers');
  const probe = await PairTokenizer.load(files.tokenizerPath, files.tokenizerConfig, files.config);
  const tok = Tokenizer.fromFile(files.tokenizerPath);
  tok.setTruncation(modelMaxLength(files.config, files.tokenizerConfig, undefined, probe.specials), { strategy: 'LongestFirst' as never });
  // The binding's encodeBatch takes single texts only, so pairs are encoded one by one and padded here.
  tok.disablePadding();
  const padId = BigInt(probe.padId);
  const session = await ort.InferenceSession.create(files.onnxPath, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: o.graphOptimizationLevel ?? 'all',
    ...(o.threads ? { intraOpNumThreads: o.threads } : {}),
    interOpNumThreads: 1,
    // As rerankit's sessions: threads that spin after a call would slow the next contender's call (see session.ts).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const out = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
  return {
    name: 'ort',
    async run(w) {
      const encs = await Promise.all(w.docs.map((d) => tok.encode(w.query, d)));
      const rows = encs.length;
      const cols = Math.max(...encs.map((e) => e.getIds().length));
      const tensor = (get: (e: (typeof encs)[number]) => number[], pad = 0n) => {
        const data = new BigInt64Array(rows * cols).fill(pad);
        encs.forEach((e, r) => get(e).forEach((v, c) => (data[r * cols + c] = BigInt(v))));
        return new ort.Tensor('int64', data, [rows, cols]);
      };
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = { input_ids: tensor((e) => e.getIds(), padId) };
      if (session.inputNames.includes('attention_mask')) feeds.attention_mask = tensor((e) => e.getAttentionMask());
      if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = tensor((e) => e.getTypeIds());
      const result = (await session.run(feeds, [out]))[out];
      const labels = result.dims[1];
      const data = result.data as Float32Array;
      return Array.from({ length: rows }, (_, r) => Array.from(data.subarray(r * labels, (r + 1) * labels)));
    },
    close: () => session.release(),
  };
}
