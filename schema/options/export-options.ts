// Every option of a model export, declared once: the GraphQL ExportOptionsInput, the server's
// validation, the stored artifact manifest, the CLI flags of `egen export` and the client's
// Export panel derive from this table. Each format writer reads only the options it names.
import { type ApiValues, bool, choice, int } from './option-spec.ts';

export const EXPORT_OPTIONS = {
  dtype: choice({
    surface: 'api',
    label: 'Weight precision',
    values: ['fp32', 'fp16', 'bf16'] as const,
    default: 'fp32',
    graphqlEnum: { name: 'ExportDtype', description: 'Precision of the exported weights' },
    description: 'Precision the exported weights are stored in; the parity tolerance follows it (fp32 1e-4).',
  }),
  lora: choice({
    surface: 'api',
    label: 'LoRA versions',
    values: ['merged', 'adapter'] as const,
    default: 'merged',
    graphqlEnum: { name: 'ExportLoraMode', description: 'How a LoRA version is exported' },
    description: 'Hugging Face only: fold LoRA adapters into the weights (merged), or write a PEFT adapter (adapter_config.json + adapter_model.safetensors) for the base export.',
  }),
  onnxOpset: int({ surface: 'api', label: 'ONNX opset', default: 17, min: 17, max: 21, description: 'ONNX only: the default-domain opset the graph declares.' }),
  onnxWithPast: bool({ surface: 'api', label: 'ONNX with past key/values', default: true, description: 'ONNX only: also write model_with_past.onnx, taking and returning the past keys and values for incremental decoding.' }),
} as const;

/** A complete, validated set of export options. */
export type ExportOptions = { [K in keyof ApiValues<typeof EXPORT_OPTIONS>]: NonNullable<ApiValues<typeof EXPORT_OPTIONS>[K]> };
