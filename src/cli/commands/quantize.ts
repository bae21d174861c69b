import type { Command } from 'commander';
import { CliError, printJson } from '../util.js';

interface QuantizeFlags {
  weightType: string;
  perChannel: boolean;
  reduceRange: boolean;
  output?: string;
}

export function register(program: Command): void {
  program
    .command('quantize')
    .description('write onnx/model_quantized.onnx: dynamic int8 quantization of MatMul/Gemm weights (activations quantized at run time); load it with --dtype int8')
    .argument('<folder>', 'model folder with onnx/model.onnx or model.onnx')
    .option('--weight-type <type>', 'int8 (symmetric) or uint8 (asymmetric)', 'int8')
    .option('--no-per-channel', 'one scale per weight matrix instead of one per output column')
    .option('--no-reduce-range', 'full 8-bit weights (can saturate AVX2 / AVX-512 u8×s8 kernels on CPUs without VNNI)')
    .option('-o, --output <file>', 'output file (default: <folder>/onnx/model_quantized.onnx)')
    .addHelpText('after', `
Examples:
  rerankit quantize ./my-reranker                      # then: rerankit rerank --model ./my-reranker --dtype int8 ...
  rerankit quantize ./my-reranker --weight-type uint8 -o /tmp/model_uint8.onnx`)
    .action(async (folder: string, flags: QuantizeFlags) => {
      if (flags.weightType !== 'int8' && flags.weightType !== 'uint8') throw new CliError('--weight-type must be int8 or uint8');
      const { quantizeFolder } = await import('../../quantize/folder.js');
      const result = await quantizeFolder(folder, { weightType: flags.weightType, perChannel: flags.perChannel, reduceRange: flags.reduceRange, output: flags.output });
      printJson(result);
    });
}
