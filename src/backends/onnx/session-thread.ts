/**
 * The worker thread that owns one ONNX Runtime session (see OnnxModel in session.ts for why): loads
 * it from a file or from model bytes, reports its inputs and outputs, then answers `run` messages one
 * at a time until told to close.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type * as Ort from 'onnxruntime-node';
import { isRerankError, messageOf } from '../../errors.js';
import { createSession, loadOrt } from './session.js';
import type { FeedBuffers, SessionOptions, SessionSource, TensorBuffers, TensorType, ValueInfo } from './session-types.js';

interface RunMessage { type: 'run'; id: number; feeds: FeedBuffers; outputs: string[] }
type Message = RunMessage | { type: 'close' };

const port = parentPort!;
const { source, options } = workerData as { source: SessionSource; options: SessionOptions };
const ort = await loadOrt();

const TYPES = new Set<string>(['int64', 'bool', 'float32', 'float16'] satisfies TensorType[]);

/** ONNX Runtime's metadata as plain data (it may be backed by native objects). */
const infoOf = (m: readonly Ort.InferenceSession.ValueMetadata[]): ValueInfo[] =>
  m.map((v) => (v.isTensor ? { name: v.name, isTensor: true, type: String(v.type), shape: [...v.shape] } : { name: v.name, isTensor: false }));

async function open() {
  try {
    const session = await createSession(source.bytes ?? source.path, source.path, options, source.dir);
    // ONNX Runtime has parsed the bytes: let them go (workerData would keep them for the worker's life).
    delete source.bytes;
    port.postMessage({
      type: 'ready',
      info: { inputNames: [...session.inputNames], outputNames: [...session.outputNames], inputMetadata: infoOf(session.inputMetadata), outputMetadata: infoOf(session.outputMetadata) },
    });
    return session;
  } catch (e) {
    port.postMessage({ type: 'failed', code: isRerankError(e) ? e.code : 'RERANK_ONNX_INVALID', message: messageOf(e) });
    return undefined;
  }
}

const session = await open();
port.on('message', async (m: Message) => {
  if (m.type === 'close') {
    await session?.release();
    port.close();
    return;
  }
  try {
    if (!session) throw new Error('the session failed to load');
    const feeds = Object.fromEntries(Object.entries(m.feeds).map(([name, f]) => [name, new ort.Tensor(f.type, f.data, f.dims)]));
    const results = await session.run(feeds, m.outputs);
    const outputs: Record<string, TensorBuffers> = {};
    for (const name of m.outputs) {
      const out = results[name]!;
      if (!TYPES.has(out.type)) throw new Error(`output "${name}" has type ${out.type}; supported: ${[...TYPES].join(', ')}`);
      // A copy of our own to transfer: the output's memory may belong to ONNX Runtime.
      outputs[name] = { type: out.type, dims: [...out.dims], data: (out.data as TensorBuffers['data']).slice() } as TensorBuffers;
    }
    port.postMessage({ type: 'result', id: m.id, outputs }, Object.values(outputs).map((o) => o.data.buffer as ArrayBuffer));
  } catch (e) {
    port.postMessage({ type: 'result', id: m.id, error: messageOf(e) });
  }
});
