"""Loads a PyTorch or TorchScript export the way a user would, and runs it.

Reads a JSON job from argv[1]:
  kind: "pytorch" (dir holds config.json + pytorch_model.bin: GPT2LMHeadModel(config) and
        load_state_dict(torch.load(..., weights_only=True), strict=True)) or "torchscript" (path of a
        model.pt for torch.jit.load);
  inputs: B rows of T token ids; prompt: token ids; steps: greedy tokens to generate.
Prints one JSON line: the float32 logits of inputs (row-major), the greedy tokens (argmax of the
last position, the whole sequence re-run each step), and the dtypes of the loaded tensors.
"""
import json
import sys

import torch


def load_pytorch(directory):
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config.from_pretrained(directory, local_files_only=True)
    model = GPT2LMHeadModel(config)
    state = torch.load(f"{directory}/pytorch_model.bin", weights_only=True)
    model.load_state_dict(state, strict=True)
    model.eval()
    return (lambda ids: model(ids).logits), sorted({str(t.dtype) for t in state.values()})


def load_torchscript(path):
    module = torch.jit.load(path)
    module.eval()
    return module, sorted({str(p.dtype) for p in module.parameters()})


def main():
    job = json.loads(sys.argv[1])
    torch.set_num_threads(1)
    run, dtypes = load_pytorch(job["dir"]) if job["kind"] == "pytorch" else load_torchscript(job["path"])
    with torch.no_grad():
        logits = run(torch.tensor(job["inputs"], dtype=torch.long)).float()
        sequence = list(job["prompt"])
        for _ in range(job["steps"]):
            next_logits = run(torch.tensor([sequence], dtype=torch.long)).float()[0, -1]
            sequence.append(int(next_logits.argmax()))
    print(json.dumps({"logits": logits.reshape(-1).tolist(), "shape": list(logits.shape), "greedy": sequence[len(job["prompt"]):], "dtypes": dtypes}))


if __name__ == "__main__":
    main()
