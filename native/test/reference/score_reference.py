"""PyTorch reference for NativeModel.score: one forward pass without gradients.

Reads a JSON job from argv[1]: checkpoint (EGen checkpoint dir), inputs, targets (B rows of T
token ids), threads. Prints one JSON line: the mean cross-entropy, the log-probability of every
target (row-major) and how many targets are the argmax of their logits.
"""
import json
import sys

import torch
import torch.nn.functional as F

from gpt_reference import load_model


def main():
    job = json.loads(sys.argv[1])
    torch.set_num_threads(job["threads"])
    model, _ = load_model(job)
    model.eval()
    x = torch.tensor(job["inputs"], dtype=torch.long)
    y = torch.tensor(job["targets"], dtype=torch.long)
    with torch.no_grad():
        logits, loss = model(x, y)  # (B, T, V)
        log_probs = F.log_softmax(logits, dim=-1).gather(-1, y.unsqueeze(-1)).squeeze(-1)  # (B, T)
        correct = (logits.argmax(dim=-1) == y).sum().item()
    print(json.dumps({"loss": loss.item(), "logProbs": log_probs.reshape(-1).tolist(), "correct": correct, "tokens": y.numel()}))


if __name__ == "__main__":
    main()
