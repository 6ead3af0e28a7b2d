// The subset of ONNX's protobuf schema the exporter writes, as a protobufjs reflection descriptor.
// Transcribed from onnx/onnx.proto of ONNX 1.17 (github.com/onnx/onnx, onnx/onnx.proto, IR version
// 10), keeping the upstream field names and numbers; messages and fields the exporter never sets
// are left out (a reader skips nothing it needs: every field written here has its upstream number).
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import protobuf from 'protobufjs';

/** TensorProto.DataType values used by the exporter. */
export const OnnxDataType = { FLOAT: 1, INT64: 7, BOOL: 9, FLOAT16: 10, BFLOAT16: 16 } as const;
export type OnnxDataType = (typeof OnnxDataType)[keyof typeof OnnxDataType];

/** AttributeProto.AttributeType values used by the exporter. */
export const OnnxAttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, INTS: 7 } as const;

/**
 * The IR version that ONNX released with each default-domain opset (onnx/helper.py's VERSION_TABLE:
 * 1.12/1.13 → IR 8 with opsets 17/18, 1.14/1.15 → IR 9 with 19/20, 1.16 → IR 10 with 21): the
 * oldest IR a reader of that opset knows, so older runtimes are not turned away needlessly.
 */
export function irVersionForOpset(opset: number): number {
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

const descriptor = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            data_type: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            raw_data: { type: 'bytes', id: 9 },
            doc_string: { type: 'string', id: 12 },
            external_data: { rule: 'repeated', type: 'StringStringEntryProto', id: 13 },
            data_location: { type: 'int32', id: 14 }, // enum DataLocation: DEFAULT = 0, EXTERNAL = 1
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            doc_string: { type: 'string', id: 13 },
            type: { type: 'int32', id: 20 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            op_type: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            doc_string: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
              fields: { dim_value: { type: 'int64', id: 1 }, dim_param: { type: 'string', id: 2 }, denotation: { type: 'string', id: 3 } },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensor_type'] } },
          fields: { tensor_type: { type: 'Tensor', id: 1 }, denotation: { type: 'string', id: 6 } },
          nested: { Tensor: { fields: { elem_type: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } } },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 }, doc_string: { type: 'string', id: 3 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            doc_string: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            value_info: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        ModelProto: {
          fields: {
            ir_version: { type: 'int64', id: 1 },
            producer_name: { type: 'string', id: 2 },
            producer_version: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            model_version: { type: 'int64', id: 5 },
            doc_string: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opset_import: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadata_props: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);
const ModelProtoType = root.lookupType('onnx.ModelProto');
const GraphProtoType = root.lookupType('onnx.GraphProto');
const TensorProtoType = root.lookupType('onnx.TensorProto');

// Field numbers of the length-delimited fields the streaming writer emits itself (wire type 2).
const MODEL_GRAPH_KEY = (7 << 3) | 2;
const GRAPH_INITIALIZER_KEY = (5 << 3) | 2;
const TENSOR_RAW_DATA_KEY = (9 << 3) | 2;

// ---- the plain shapes the exporter builds (snake_case, as onnx.proto names them) ----

export interface TensorProto {
  name: string;
  data_type: OnnxDataType;
  dims: number[];
  raw_data: Uint8Array;
  /** Set (with data_location EXTERNAL) only on tensors read back from a file with external data. */
  external_data?: Array<{ key: string; value: string }>;
  data_location?: number;
}

export interface AttributeProto {
  name: string;
  type: (typeof OnnxAttributeType)[keyof typeof OnnxAttributeType];
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  ints?: number[];
}

export interface NodeProto {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
  domain?: string;
}

/** A dimension: a fixed size, or a named dynamic axis ("batch"). */
export type Dimension = number | string;

export interface ValueInfoProto {
  name: string;
  type: { tensor_type: { elem_type: OnnxDataType; shape: { dim: Array<{ dim_value: number } | { dim_param: string }> } } };
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  doc_string?: string;
}

export interface ModelProto {
  ir_version: number;
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  graph: GraphProto;
  opset_import: Array<{ domain: string; version: number }>;
  metadata_props: Array<{ key: string; value: string }>;
}

/** A graph input or output: a tensor of `elemType` with fixed or named dimensions. */
export function valueInfo(name: string, elemType: OnnxDataType, dims: Dimension[]): ValueInfoProto {
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } } };
}

/** The serialized model in one buffer (small models and tests; writeModelFile streams). */
export function encodeModel(model: ModelProto): Uint8Array {
  const message = ModelProtoType.fromObject(model);
  return ModelProtoType.encode(message).finish();
}

function lengthDelimited(key: number, length: number): Uint8Array {
  return protobuf.Writer.create().uint32(key).uint32(length).finish();
}

export interface WriteModelFileOptions {
  /** Checked between tensors: an abort stops the write (the caller removes the file). */
  signal?: AbortSignal;
  /** Called after each initializer with the fraction of the weight bytes written. */
  onProgress?: (fraction: number) => void;
  /** Initializers whose data writeExternalData put in a file beside the model: they are written as references to it. */
  externalData?: ExternalData;
}

/** Where writeExternalData put each initializer's bytes. */
export interface ExternalData {
  /** The data file's name, relative to the model file (ONNX resolves it from the model's folder). */
  location: string;
  tensors: Map<string, { offset: number; length: number }>;
}

/** Offsets of external tensors are multiples of this (a page), so that runtimes may map them. */
const EXTERNAL_ALIGNMENT = 4096;
const DATA_LOCATION_EXTERNAL = 1;

/**
 * Writes the raw data of every initializer of at least `minBytes` into the file `path`, page
 * aligned, for model files of more than 2 GiB (a protobuf message cannot exceed it). Several graphs
 * over the same weights (model.onnx and model_with_past.onnx) can share the one file.
 */
export async function writeExternalData(path: string, initializers: TensorProto[], options: { minBytes: number; signal?: AbortSignal; onProgress?: (fraction: number) => void }): Promise<ExternalData> {
  const external = initializers.filter((t) => t.raw_data.length >= options.minBytes);
  const total = external.reduce((sum, t) => sum + t.raw_data.length, 0);
  const tensors = new Map<string, { offset: number; length: number }>();
  const file = await open(path, 'w');
  try {
    let offset = 0;
    let written = 0; // data bytes, without the padding
    for (const t of external) {
      options.signal?.throwIfAborted();
      const padding = (EXTERNAL_ALIGNMENT - (offset % EXTERNAL_ALIGNMENT)) % EXTERNAL_ALIGNMENT;
      if (padding) await file.writeFile(new Uint8Array(padding));
      offset += padding;
      await file.writeFile(t.raw_data);
      tensors.set(t.name, { offset, length: t.raw_data.length });
      offset += t.raw_data.length;
      written += t.raw_data.length;
      options.onProgress?.(total ? written / total : 1);
    }
  } finally {
    await file.close();
  }
  return { location: basename(path), tensors };
}

/**
 * Writes the model to `path` without assembling it in memory: the model's other fields, then the
 * graph's field header and its nodes, inputs and outputs, then each initializer with its raw data
 * written from the tensor's own buffer (or a reference into options.externalData). Protobuf fields
 * may come in any order, so the file reads as encodeModel's.
 */
export async function writeModelFile(path: string, model: ModelProto, options: WriteModelFileOptions = {}): Promise<void> {
  const { graph, ...rest } = model;
  const head = ModelProtoType.encode(ModelProtoType.fromObject(rest)).finish();
  const graphRest = GraphProtoType.encode(GraphProtoType.fromObject({ ...graph, initializer: [] })).finish();
  const tensors = graph.initializer.map((tensor) => {
    const { raw_data: inline, ...fields } = tensor;
    const external = options.externalData?.tensors.get(tensor.name);
    const reference = external && {
      data_location: DATA_LOCATION_EXTERNAL,
      external_data: [
        { key: 'location', value: options.externalData!.location },
        { key: 'offset', value: String(external.offset) },
        { key: 'length', value: String(external.length) },
      ],
    };
    const raw = external ? new Uint8Array(0) : inline;
    const tensorHead = TensorProtoType.encode(TensorProtoType.fromObject({ ...fields, ...reference })).finish();
    const rawKey = external ? new Uint8Array(0) : lengthDelimited(TENSOR_RAW_DATA_KEY, raw.length);
    const length = tensorHead.length + rawKey.length + raw.length;
    return { key: lengthDelimited(GRAPH_INITIALIZER_KEY, length), tensorHead, rawKey, raw, length };
  });
  const graphLength = graphRest.length + tensors.reduce((sum, t) => sum + t.key.length + t.length, 0);
  if (head.length + graphLength > 2 ** 31 - 1) throw new Error(`ONNX: ${basename(path)} would take ${graphLength} bytes, past protobuf's 2 GiB; write the weights as external data`);
  const totalRaw = tensors.reduce((sum, t) => sum + t.raw.length, 0);
  const file = await open(path, 'w');
  try {
    await file.writeFile(head);
    await file.writeFile(lengthDelimited(MODEL_GRAPH_KEY, graphLength));
    await file.writeFile(graphRest);
    let done = 0;
    for (const t of tensors) {
      options.signal?.throwIfAborted();
      // writeFile (unlike write) loops until the whole buffer is on disk
      for (const part of [t.key, t.tensorHead, t.rawKey, t.raw]) if (part.length) await file.writeFile(part);
      done += t.raw.length;
      options.onProgress?.(totalRaw ? done / totalRaw : 1);
    }
  } finally {
    await file.close();
  }
}

/** Decodes a model written by encodeModel (for tests and inspection); raw_data stays bytes. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  return ModelProtoType.toObject(ModelProtoType.decode(bytes), { longs: Number, bytes: Buffer as unknown as typeof String, defaults: false, arrays: true }) as unknown as ModelProto;
}
