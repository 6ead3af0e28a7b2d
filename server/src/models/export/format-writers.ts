// Every export format's writer, declared once: the export job, the GraphQL refusal check, the
// CLI's --format choices, the docs and the client's Export panel derive from this table.
import { ExportFormat, type FormatWriter } from './export-format.ts';
import { huggingFaceWriter } from './huggingface-format.ts';
import { onnxFormatWriter } from './onnx-format.ts';
import { pytorchFormat } from './pytorch-format.ts';
import { torchscriptFormat } from './torchscript-format.ts';

export const FORMAT_WRITERS: Readonly<Record<ExportFormat, FormatWriter>> = {
  [ExportFormat.HUGGING_FACE]: huggingFaceWriter,
  [ExportFormat.PYTORCH]: pytorchFormat,
  [ExportFormat.TORCHSCRIPT]: torchscriptFormat,
  [ExportFormat.ONNX]: onnxFormatWriter,
};

/** The writer of a format, or null when this build has none for it. */
export function formatWriter(format: ExportFormat): FormatWriter | null {
  return FORMAT_WRITERS[format] ?? null;
}
