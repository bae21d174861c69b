/**
 * The worker thread that owns one ONNX Runtime session (see OnnxModel in session.ts for why): loads
 * it, then answers `run` messages one at a time until told to close.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isRerankError, messageOf } from '../../errors.js';
import { createSession, loadOrt } from './session.js';
import type { FeedBuffers, SessionOptions } from './session-types.js';

interface RunMessage { type: 'run'; id: number; feeds: FeedBuffers; output: string }
type Message = RunMessage | { type: 'close' };

const port = parentPort!;
const { path, options } = workerData as { path: string; options: SessionOptions };
const ort = await loadOrt();

async function open() {
  try {
    const session = await createSession(path, path, options);
    port.postMessage({ type: 'ready', info: { inputNames: [...session.inputNames], outputNames: [...session.outputNames] } });
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
    const feeds = Object.fromEntries(Object.entries(m.feeds).map(([name, f]) => [name, new ort.Tensor('int64', f.data, f.dims)]));
    const out = (await session.run(feeds, [m.output]))[m.output]!;
    // A copy of our own to transfer: the output's memory may belong to ONNX Runtime.
    const data = new Float32Array(out.data as Float32Array);
    port.postMessage({ type: 'result', id: m.id, dims: [...out.dims], data }, [data.buffer]);
  } catch (e) {
    port.postMessage({ type: 'result', id: m.id, error: messageOf(e) });
  }
});
