"""Loads an exported folder with transformers (offline) and scores targets.

Reads a JSON job from argv[1]: dir (the export), inputs, targets (B rows of T token ids). Prints one
JSON line: the log-probability of every target (row-major), the argmax of every position, and the
model class transformers chose.
"""
import json
import sys

import torch
from transformers import AutoModelForCausalLM


def main():
    job = json.loads(sys.argv[1])
    torch.set_num_threads(1)
    model = AutoModelForCausalLM.from_pretrained(job["dir"], local_files_only=True)
    model.eval()
    x = torch.tensor(job["inputs"], dtype=torch.long)
    y = torch.tensor(job["targets"], dtype=torch.long)
    with torch.no_grad():
        logits = model(x).logits.float()  # (B, T, V)
    log_probs = torch.log_softmax(logits, dim=-1).gather(-1, y.unsqueeze(-1)).squeeze(-1)
    print(json.dumps({"logProbs": log_probs.reshape(-1).tolist(), "argmax": logits.argmax(dim=-1).reshape(-1).tolist(), "class": type(model).__name__}))


if __name__ == "__main__":
    main()
