"""Writes the state dicts a user brings from Python, for the pytorch_model.bin reader's tests.

Reads a JSON job from argv[1]: dir, config (GPT2Config fields), inputs (B rows of T token ids).
Writes into dir: model.bin (torch.save(model.state_dict()) of a seeded random GPT2LMHeadModel,
an OrderedDict with _metadata), model-bf16.bin (the same in bfloat16), reference.safetensors (the
float32 tensors, contiguous, lm_head excluded), legacy.bin (the pre-1.6 non-zip format) and
mixed.bin (a dict holding an int beside a tensor). Prints one JSON line: the transformers logits of
inputs (row-major) and every tensor's name and shape in file order.
"""
import json
import sys

import torch
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel


def main():
    job = json.loads(sys.argv[1])
    torch.manual_seed(7)
    torch.set_num_threads(1)
    model = GPT2LMHeadModel(GPT2Config(**job["config"]))
    with torch.no_grad():  # non-trivial biases and LayerNorm weights, so that a swapped tensor shows
        for name, p in model.named_parameters():
            if name.endswith("bias") or ".ln_" in name:
                p.add_(torch.randn_like(p) * 0.1)
    model.eval()
    state = model.state_dict()
    out = job["dir"]
    torch.save(state, f"{out}/model.bin")
    torch.save({k: v.to(torch.bfloat16) for k, v in state.items()}, f"{out}/model-bf16.bin")
    save_file({k: v.contiguous().clone() for k, v in state.items() if k != "lm_head.weight"}, f"{out}/reference.safetensors")
    torch.save(state, f"{out}/legacy.bin", _use_new_zipfile_serialization=False)
    torch.save({"transformer.wte.weight": state["transformer.wte.weight"], "step": 3}, f"{out}/mixed.bin")
    with torch.no_grad():
        logits = model(torch.tensor(job["inputs"], dtype=torch.long)).logits.float()
    print(json.dumps({"logits": logits.reshape(-1).tolist(), "tensors": [{"name": k, "shape": list(v.shape)} for k, v in state.items()]}))


if __name__ == "__main__":
    main()
