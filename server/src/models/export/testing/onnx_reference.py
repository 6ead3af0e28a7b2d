"""Runs an ONNX export in Python onnxruntime, independently of EGen's TypeScript.

Reads a JSON job from argv[1]: model (model.onnx), withPast (model_with_past.onnx or null), inputs
(B rows of T token ids), prompt and steps (greedy decoding with past). Prints one JSON line: the
opset and IR version read from the file's protobuf wire format, the inputs and outputs onnxruntime
declares (name, type, shape with dynamic axes by name), the full graph's logits, the with-past
graph's logits decoding token by token from an empty past, and the greedy tokens.
"""
import json
import sys

import numpy as np
import onnxruntime as ort


def varint(data, i):
    value, shift = 0, 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def fields(data):
    """(field number, wire type, value) of a protobuf message; length-delimited values as bytes."""
    i = 0
    while i < len(data):
        key, i = varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(data, i)
        elif wire == 2:
            length, i = varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        else:
            raise ValueError(f"wire type {wire}")
        yield number, wire, value


def opsets(path):
    """ModelProto.ir_version (1) and opset_import (8: OperatorSetIdProto domain 1, version 2)."""
    with open(path, "rb") as f:
        data = f.read()
    ir, imports = None, {}
    for number, _, value in fields(data):
        if number == 1:
            ir = value
        elif number == 8:
            entry = dict((n, v) for n, _, v in fields(value))
            imports[entry.get(1, b"").decode()] = entry[2]
    return ir, imports


def session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def describe(values):
    return [{"name": v.name, "type": v.type, "shape": list(v.shape)} for v in values]


def empty_past(sess, batch):
    past = {}
    for value in sess.get_inputs():
        if value.name.startswith("past_key_values."):
            _, heads, _, head_dim = value.shape
            past[value.name] = np.zeros((batch, heads, 0, head_dim), dtype=np.float32)
    return past


def step(sess, ids, past):
    outputs = sess.run(None, {"input_ids": ids, **past})
    named = dict(zip([o.name for o in sess.get_outputs()], outputs))
    present = {name.replace("present.", "past_key_values."): value for name, value in named.items() if name.startswith("present.")}
    return named["logits"], present


def main():
    job = json.loads(sys.argv[1])
    ir, imports = opsets(job["model"])
    full = session(job["model"])
    inputs = np.array(job["inputs"], dtype=np.int64)
    (logits,) = full.run(["logits"], {"input_ids": inputs})
    result = {
        "irVersion": ir,
        "opsets": imports,
        "inputs": describe(full.get_inputs()),
        "outputs": describe(full.get_outputs()),
        "logits": logits.reshape(-1).tolist(),
        "shape": list(logits.shape),
    }
    if job.get("withPast"):
        sess = session(job["withPast"])
        result["withPastInputs"] = describe(sess.get_inputs())
        result["withPastOutputs"] = describe(sess.get_outputs())
        # token by token from an empty past
        past = empty_past(sess, inputs.shape[0])
        rows = []
        for t in range(inputs.shape[1]):
            out, past = step(sess, inputs[:, t:t + 1], past)
            rows.append(out)
        result["incrementalLogits"] = np.concatenate(rows, axis=1).reshape(-1).tolist()
        # greedy decoding: the prompt at once, then one token per call
        prompt = np.array([job["prompt"]], dtype=np.int64)
        out, past = step(sess, prompt, empty_past(sess, 1))
        tokens = []
        for _ in range(job["steps"]):
            token = int(out[0, -1].argmax())
            tokens.append(token)
            if len(tokens) < job["steps"]:
                out, past = step(sess, np.array([[token]], dtype=np.int64), past)
        result["greedy"] = tokens
    print(json.dumps(result))


if __name__ == "__main__":
    main()
