import { execFile } from 'node:child_process';
import { availableParallelism, cpus, totalmem, type as osType, release } from 'node:os';
import { promisify } from 'node:util';

export interface MachineInfo {
  cpu: string;
  /** Logical CPUs the process may use. */
  cpus: number;
  /** Physical cores per socket × sockets, from lscpu when available. */
  cores?: number;
  flags: string[];
  memoryGiB: number;
  os: string;
  node: string;
  onnxruntime: string;
}

const INTERESTING_FLAGS = ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx_vnni', 'amx_tile'];

/** What the numbers were measured on, as lscpu and Node see it. */
export async function machineInfo(): Promise<MachineInfo> {
  const lscpu = await promisify(execFile)('lscpu', { encoding: 'utf8' }).then((r) => r.stdout, () => '');
  const field = (name: string) => lscpu.match(new RegExp(`^${name}:\\s*(.+)$`, 'm'))?.[1].trim();
  const perSocket = Number(field('Core\\(s\\) per socket'));
  const sockets = Number(field('Socket\\(s\\)'));
  const flags = (field('Flags') ?? '').split(/\s+/);
  const ort = await import('onnxruntime-node');
  return {
    cpu: field('Model name') ?? cpus()[0]?.model ?? 'unknown',
    cpus: availableParallelism(),
    ...(perSocket && sockets ? { cores: perSocket * sockets } : {}),
    flags: INTERESTING_FLAGS.filter((f) => flags.includes(f)),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
    onnxruntime: ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown',
  };
}
